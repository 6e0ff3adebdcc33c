"""Exercise 9's answer key: the reference TransferModel as the model oracle builds it, on the declaration's bases."""

from grader.models import build_base
from grader.reference import models as ref


class TransferModel(ref.TransferModel):
    """The reference for the oracle's `(kwargs)`: kwargs["base"] names one of the declaration's BASES, a
    layer spec built here as the worker builds it for the student's model. A class, so that the course's
    key hands it over as it is: only the oracle's answers are recorded into a bank, never a module."""

    def __init__(self, kwargs: dict):
        from grader.catalog.exercise9_transfer import BASES  # here: the declaration imports this key first

        rest = {name: value for name, value in kwargs.items() if name != "base"}
        super().__init__(build_base(BASES[kwargs["base"]]["spec"]), **rest)
