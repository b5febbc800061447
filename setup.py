"""Package layout; the project's metadata is in pyproject.toml.

The workshop's content, notebooks and facilitator guide stay in the repository's top-level
folders, where facilitators find and edit them. Each is mapped onto a sub-package of
``datasharing_workshop.kit`` (``package_dir``), so that:

* a wheel or an sdist carries them inside the package (``datasharing_workshop/kit/...``);
* an editable install (``pip install -e .``) reads the repository's folders in place,
  through setuptools' editable finder, with no copy and no symbolic link (Windows).

Each top-level folder has an ``__init__.py`` for that editable finder, which only maps
regular packages.
"""

from setuptools import find_namespace_packages, find_packages, setup

#: Sub-package of datasharing_workshop.kit -> folder in the repository.
SHIPPED = {
    "exercises": "exercises",
    "notebooks": "notebooks",
    "facilitator_guide": "facilitator_guide",
}
EXCLUDE = ["*__pycache__*", "*.ipynb_checkpoints*"]

packages = find_packages("src")
package_dir = {"": "src"}
package_data = {
    "datasharing_workshop": [
        "py.typed",
        "templates/**/*",
        "room/templates/*",
        "room/jupyter/**/*",
        "kit/workshop.yml",
    ]
}
for name, folder in SHIPPED.items():
    package = f"datasharing_workshop.kit.{name}"
    package_dir[package] = folder
    # Sub-folders (exercises/ct/scenarios/standard, ...) are data-only packages: listing
    # them keeps setuptools from warning that data would be left out.
    subpackages = [f"{package}.{sub}" for sub in find_namespace_packages(folder, exclude=EXCLUDE)]
    packages += [package, *subpackages]
    for sub in [package, *subpackages]:
        package_data[sub] = ["*.yaml", "*.yml", "*.csv", "*.md", "*.ipynb", "*.json", "*.py"]

setup(packages=packages, package_dir=package_dir, package_data=package_data)
