"""The playbook's rules as small pure functions over a loaded catalogue.

>>> from datasharing_workshop.content.catalogue import load_catalogue
>>> from datasharing_workshop.rules import advise_transfer, make_transfer
>>> ct = load_catalogue("ct")
>>> advice = advise_transfer(ct, make_transfer(ct, ["phi"], "3GB", "agency"))
>>> advice.best.channel.id
'sftp_client'
"""

from .agreements import (
    AgreementAdvice,
    AgreementFit,
    advise_agreements,
    situation_from_data,
)
from .reasons import Reason
from .requests import RequestIssue, RequestReview, review_request
from .sensitivity import Sensitivity, categories_sensitivity, dataset_sensitivity
from .transfer import (
    ChannelVerdict,
    StepAdvice,
    Transfer,
    TransferAdvice,
    advise_transfer,
    check_channel,
    make_transfer,
    steps_before_sending,
)

__all__ = [
    "AgreementAdvice",
    "AgreementFit",
    "ChannelVerdict",
    "Reason",
    "RequestIssue",
    "RequestReview",
    "Sensitivity",
    "StepAdvice",
    "Transfer",
    "TransferAdvice",
    "advise_agreements",
    "advise_transfer",
    "categories_sensitivity",
    "check_channel",
    "dataset_sensitivity",
    "make_transfer",
    "review_request",
    "situation_from_data",
    "steps_before_sending",
]
