"""Small-cell suppression for a two-way table of counts with published totals.

Breakout 5 turns a list of people into a table of counts (rows such as towns, columns such
as outcomes) with a total for every row and column and a grand total. A count smaller
than the minimum cell size could point to a person, so it is hidden (*primary
suppression*). Hiding it is not enough when the totals are published: a row total minus
the row's other counts gives the hidden one back. So more counts are hidden
(*complementary suppression*) until no hidden count can be worked out from the published
ones.

How :func:`suppress` decides
----------------------------
The table is treated with its margins as one ``(rows + 1) x (columns + 1)`` grid: index
``n_rows`` is the totals row and ``n_columns`` the totals column. Each line of that grid
(a row with its total, a column with its total, the totals row, the totals column) is one
equation: its counts add up to its total.

1. **Primary.** Every count, totals included, that is above zero and below the threshold
   is hidden. A small row total is as telling as a small count.
2. **Zeros are published.** A zero says that nobody is in that group: it points to no
   person, so common practice publishes it, and so does this module. Zeros are never used
   as complements either, because a reader often knows that a group is empty (nobody
   under 10 is in job training), so a hidden zero protects nothing. (A table whose
   nonzero counts cannot close a pattern would need one; :attr:`Suppression.zeros_used`
   says so. It cannot happen when no row or column is entirely zero.)
3. **Complementary, line by line.** A line with exactly one hidden count gives it away, so
   the cheapest other nonzero count in that line is hidden too ("cheapest" means fewest
   people; ties go to a count whose crossing line also needs a complement). Repeat until
   every line has none or at least two.
4. **Complementary, patterns.** Lines with two hidden counts can still give one away when
   several equations are combined: a hidden count that is the only link between two
   groups of hidden counts (a *bridge* in the graph whose nodes are lines and whose edges
   are hidden counts) is fixed by the equations. For each such count, the cheapest chain
   of further counts that closes a loop through it is hidden (a shortest path, Dijkstra,
   cost = people hidden plus a little per count). Steps 3 and 4 repeat until stable.

Guarantee: every line has zero or at least two hidden counts, and no hidden count is
fixed by the published counts and totals. Because every hidden count is at least 1,
each can move by at least one up or down (along its loop) while every other published
number stays the same, so the range a reader can infer for it never shrinks to a single
value. Finding the fewest people to hide is a hard optimisation problem; steps 3 and 4
are a greedy approach that is good on workshop-sized tables and fast (see
``benchmarks/bench_suppression.py``).
"""

from __future__ import annotations

import heapq
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property

from ..errors import InputError

#: A cell of the grid with margins: (row index, column index). Index ``n_rows`` is the
#: totals row and ``n_columns`` the totals column.
Cell = tuple[int, int]

#: Added to the cost of every extra hidden count, so that among equally cheap choices the
#: one hiding fewer counts wins (costs are people x _SCALE + 1 per count).
_SCALE = 1000


@dataclass(frozen=True)
class CountTable:
    """A two-way table of counts; the totals are worked out from the counts.

    Parameters
    ----------
    row_labels, column_labels
        What each row and column stands for, in display order.
    counts
        ``counts[i][j]``: how many people fall in row ``i`` and column ``j`` (whole
        numbers, zero or more).
    """

    row_labels: tuple[str, ...]
    column_labels: tuple[str, ...]
    counts: tuple[tuple[int, ...], ...]

    def __post_init__(self) -> None:
        if not self.row_labels or not self.column_labels:
            raise InputError("a table of counts needs at least one row and one column")
        if len(self.counts) != len(self.row_labels) or any(
            len(row) != len(self.column_labels) for row in self.counts
        ):
            raise InputError(
                f"expected {len(self.row_labels)} rows of {len(self.column_labels)} counts"
            )
        for row in self.counts:
            for value in row:
                if not isinstance(value, int) or isinstance(value, bool) or value < 0:
                    raise InputError(f"counts must be whole numbers, zero or more; got {value!r}")

    @classmethod
    def from_counts(
        cls,
        counts: Mapping[tuple[str, str], int],
        row_labels: Sequence[str] | None = None,
        column_labels: Sequence[str] | None = None,
    ) -> CountTable:
        """Build a table from ``{(row label, column label): count}``.

        Labels not given are taken from the keys, sorted. Missing pairs count as zero.
        """
        rows = (
            tuple(row_labels) if row_labels is not None else tuple(sorted({r for r, _ in counts}))
        )
        cols = (
            tuple(column_labels)
            if column_labels is not None
            else tuple(sorted({c for _, c in counts}))
        )
        grid = tuple(tuple(int(counts.get((r, c), 0)) for c in cols) for r in rows)
        return cls(rows, cols, grid)

    @property
    def n_rows(self) -> int:
        return len(self.row_labels)

    @property
    def n_columns(self) -> int:
        return len(self.column_labels)

    @cached_property
    def row_totals(self) -> tuple[int, ...]:
        return tuple(sum(row) for row in self.counts)

    @cached_property
    def column_totals(self) -> tuple[int, ...]:
        return tuple(sum(col) for col in zip(*self.counts, strict=True))

    @property
    def grand_total(self) -> int:
        return sum(self.row_totals)

    def value(self, cell: Cell) -> int:
        """The count in a cell of the grid with margins (totals included)."""
        i, j = cell
        if i == self.n_rows:
            return self.grand_total if j == self.n_columns else self.column_totals[j]
        if j == self.n_columns:
            return self.row_totals[i]
        return self.counts[i][j]

    def cells(self) -> list[Cell]:
        """Every cell of the grid with margins, row by row, totals last."""
        return [(i, j) for i in range(self.n_rows + 1) for j in range(self.n_columns + 1)]

    def lines(self) -> list[tuple[str, list[Cell]]]:
        """Every equation of the table: a line's counts add up to its last cell.

        Returns ``(name, cells)`` per row, then per column, then the totals row and the
        totals column (each line's total is its last cell).
        """
        r, c = self.n_rows, self.n_columns
        out = [(f"row {self.row_labels[i]}", [(i, j) for j in range(c + 1)]) for i in range(r)]
        out += [
            (f"column {self.column_labels[j]}", [(i, j) for i in range(r + 1)]) for j in range(c)
        ]
        out.append(("totals row", [(r, j) for j in range(c + 1)]))
        out.append(("totals column", [(i, c) for i in range(r + 1)]))
        return out


@dataclass(frozen=True)
class Suppression:
    """A table with the counts to hide and why.

    Attributes
    ----------
    table
        The full table (never published as is).
    threshold
        The minimum cell size: counts from 1 to ``threshold - 1`` are hidden.
    primary
        Cells hidden because they are small.
    complementary
        Cells hidden so that the small ones cannot be worked out from the totals.
    zeros_used
        Whether a zero had to be hidden as a complement (never, for tables without an
        all-zero row or column).
    """

    table: CountTable
    threshold: int
    primary: frozenset[Cell]
    complementary: frozenset[Cell] = field(default_factory=frozenset)
    zeros_used: bool = False

    @property
    def hidden(self) -> frozenset[Cell]:
        return self.primary | self.complementary

    def is_hidden(self, cell: Cell) -> bool:
        return cell in self.primary or cell in self.complementary

    def published(self, cell: Cell) -> int | None:
        """The number a reader sees in a cell, or ``None`` when it is hidden."""
        return None if self.is_hidden(cell) else self.table.value(cell)

    def _inner(self) -> list[Cell]:
        t = self.table
        return [cell for cell in self.hidden if cell[0] < t.n_rows and cell[1] < t.n_columns]

    @property
    def hidden_cells(self) -> int:
        """How many counts inside the table (totals not included) are hidden."""
        return len(self._inner())

    @property
    def hidden_totals(self) -> int:
        """How many totals (row, column or grand) are hidden."""
        return len(self.hidden) - self.hidden_cells

    @property
    def hidden_people(self) -> int:
        """How many people are in hidden counts inside the table."""
        return sum(self.table.value(cell) for cell in self._inner())

    @property
    def hidden_share(self) -> float:
        """Share of the people whose count is hidden (0 to 1)."""
        total = self.table.grand_total
        return self.hidden_people / total if total else 0.0

    @property
    def inner_cells(self) -> int:
        return self.table.n_rows * self.table.n_columns


def suppress(table: CountTable, threshold: int) -> Suppression:
    """Hide small counts and enough others that none can be worked out from the rest.

    Parameters
    ----------
    table
        The counts.
    threshold
        The minimum cell size (at least 2): counts from 1 to ``threshold - 1`` are hidden.

    Returns
    -------
    Suppression
        See the module documentation for how cells are chosen and what is guaranteed.

    Raises
    ------
    InputError
        The threshold is not a whole number of at least 2.
    """
    if not isinstance(threshold, int) or isinstance(threshold, bool) or threshold < 2:
        raise InputError(
            f"the minimum cell size must be a whole number of 2 or more, not {threshold!r}"
        )
    grid = _Grid(table)
    primary = {cell for cell in table.cells() if 0 < grid.value(cell) < threshold}
    hidden = set(primary)
    for cell in primary:
        grid.add(cell)
    zeros_used = False
    while True:
        zeros_used |= _fix_lonely_lines(grid, hidden)
        bridge = _first_bridge(grid, hidden)
        if bridge is None:
            break
        zeros_used |= _close_loop(grid, hidden, bridge)
    return Suppression(
        table=table,
        threshold=threshold,
        primary=frozenset(primary),
        complementary=frozenset(hidden - primary),
        zeros_used=zeros_used,
    )


# --------------------------------------------------------------------------- checks


def lone_hidden_cells(result: Suppression) -> list[Cell]:
    """Hidden cells that are the only hidden cell of some line (should be none).

    Such a cell equals its line's published total minus the line's published counts.
    """
    out = []
    for _, cells in result.table.lines():
        hidden = [cell for cell in cells if result.is_hidden(cell)]
        if len(hidden) == 1:
            out.append(hidden[0])
    return sorted(set(out))


def fixed_hidden_cells(result: Suppression) -> list[Cell]:
    """Hidden cells whose value the published numbers determine (should be none).

    A hidden cell is determined by the table's equations exactly when it is a bridge of
    the graph of hidden cells (nodes: lines; edges: hidden cells), that is when it lies
    on no loop of hidden cells.
    """
    grid = _Grid(result.table)
    for cell in result.hidden:
        grid.add(cell)
    return sorted(_bridges(grid, set(result.hidden)))


# --------------------------------------------------------------------------- internals


class _Grid:
    """The table with margins, and how many hidden cells each line has."""

    def __init__(self, table: CountTable):
        self.table = table
        self.rows = table.n_rows + 1  # the last one is the totals row
        self.cols = table.n_columns + 1
        values = [[*row, total] for row, total in zip(table.counts, table.row_totals, strict=True)]
        values.append([*table.column_totals, table.grand_total])
        self.values = values
        self.in_row = [0] * self.rows
        self.in_col = [0] * self.cols

    def value(self, cell: Cell) -> int:
        return self.values[cell[0]][cell[1]]

    def add(self, cell: Cell) -> None:
        self.in_row[cell[0]] += 1
        self.in_col[cell[1]] += 1


def _hide(grid: _Grid, hidden: set[Cell], cell: Cell) -> bool:
    """Hide one more cell; return whether it was a zero."""
    hidden.add(cell)
    grid.add(cell)
    return grid.value(cell) == 0


def _fix_lonely_lines(grid: _Grid, hidden: set[Cell]) -> bool:
    """Step 3: give every line with one hidden cell a second one. Returns zeros_used."""
    zeros_used = False
    changed = True
    while changed:
        changed = False
        for i in range(grid.rows):
            if grid.in_row[i] == 1:
                candidates = [(i, j) for j in range(grid.cols) if (i, j) not in hidden]
                cell = _cheapest(grid, candidates, crossing=lambda c: grid.in_col[c[1]])
                zeros_used |= _hide(grid, hidden, cell)
                changed = True
        for j in range(grid.cols):
            if grid.in_col[j] == 1:
                candidates = [(i, j) for i in range(grid.rows) if (i, j) not in hidden]
                cell = _cheapest(grid, candidates, crossing=lambda c: grid.in_row[c[0]])
                zeros_used |= _hide(grid, hidden, cell)
                changed = True
    return zeros_used


def _cheapest(grid: _Grid, candidates: Iterable[Cell], crossing) -> Cell:
    """The complement that hides the fewest people (a zero only if nothing else is left).

    Ties prefer a cell whose crossing line has exactly one hidden cell (one complement
    then mends two lines), then one whose crossing line already has several.
    """
    preference = {1: 0}  # crossing count -> rank; 0 hidden (a new lonely line) comes last

    def key(cell: Cell) -> tuple[int, int, Cell]:
        count = crossing(cell)
        return (grid.value(cell), preference.get(count, 1 if count else 2), cell)

    candidates = list(candidates)
    nonzero = [c for c in candidates if grid.value(c) > 0]
    return min(nonzero or candidates, key=key)


def _first_bridge(grid: _Grid, hidden: set[Cell]) -> Cell | None:
    found = _bridges(grid, hidden)
    return min(found) if found else None


def _bridges(grid: _Grid, hidden: set[Cell]) -> set[Cell]:
    """Hidden cells on no loop of hidden cells (Tarjan's bridge search, iterative).

    Nodes are the lines (rows ``0..R``, then the columns), edges the hidden cells. Lists
    and edge numbers instead of dicts and tuples: a list of people kept as rows makes a
    graph of thousands of edges, searched after every change a group makes.
    """
    rows = grid.rows
    n = rows + grid.cols
    edges = list(hidden)
    adjacency: list[list[tuple[int, int]]] = [[] for _ in range(n)]
    for number, (i, j) in enumerate(edges):
        adjacency[i].append((rows + j, number))
        adjacency[rows + j].append((i, number))
    order = [-1] * n
    low = [0] * n
    bridges: set[Cell] = set()
    counter = 0
    for start in range(n):
        if order[start] >= 0 or not adjacency[start]:
            continue
        order[start] = low[start] = counter
        counter += 1
        stack = [(start, -1, iter(adjacency[start]))]
        while stack:
            node, via, neighbours = stack[-1]
            for other, number in neighbours:
                if number == via:
                    continue
                if order[other] >= 0:
                    low[node] = min(low[node], order[other])
                else:
                    order[other] = low[other] = counter
                    counter += 1
                    stack.append((other, number, iter(adjacency[other])))
                    break
            else:  # every neighbour seen: go back up
                stack.pop()
                if stack:
                    parent = stack[-1][0]
                    low[parent] = min(low[parent], low[node])
                    if low[node] > order[parent]:
                        bridges.add(edges[via])
    return bridges


def _close_loop(grid: _Grid, hidden: set[Cell], bridge: Cell) -> bool:
    """Step 4: hide the cheapest chain of cells that puts ``bridge`` on a loop."""
    path = _cheapest_path(grid, hidden, bridge, allow_zeros=False)
    zeros_used = False
    if path is None:  # only zeros could close the loop (a table with an all-zero line)
        path = _cheapest_path(grid, hidden, bridge, allow_zeros=True)
        zeros_used = True
    if path is None:  # pragma: no cover - a grid of 2 x 2 or more always has a path
        raise RuntimeError(f"no way to protect cell {bridge}")
    for cell in path:
        if cell not in hidden:
            _hide(grid, hidden, cell)
    return zeros_used


def _cheapest_path(
    grid: _Grid, hidden: set[Cell], bridge: Cell, *, allow_zeros: bool
) -> list[Cell] | None:
    """Cells on the cheapest path from the bridge's row to its column, avoiding it.

    Nodes are the lines (rows 0..R, then columns); every cell joins its row and column.
    Hidden cells cost nothing, others cost their count (plus one per cell, scaled down).
    """
    rows, cols = grid.rows, grid.cols
    source, target = bridge[0], rows + bridge[1]
    best: dict[int, int] = {source: 0}
    back: dict[int, tuple[int, Cell]] = {}
    queue = [(0, source)]
    done: set[int] = set()
    while queue:
        cost, node = heapq.heappop(queue)
        if node in done:
            continue
        done.add(node)
        if node == target:
            break
        if node < rows:
            steps = (((node, j), rows + j) for j in range(cols))
        else:
            steps = (((i, node - rows), i) for i in range(rows))
        for cell, other in steps:
            if cell == bridge or other in done:
                continue
            if cell in hidden:
                step = 0
            else:
                value = grid.value(cell)
                if value == 0 and not allow_zeros:
                    continue
                step = value * _SCALE + 1
            new = cost + step
            if new < best.get(other, new + 1):
                best[other] = new
                back[other] = (node, cell)
                heapq.heappush(queue, (new, other))
    if target not in back:
        return None
    path = []
    node = target
    while node != source:
        node, cell = back[node]
        path.append(cell)
    return path
