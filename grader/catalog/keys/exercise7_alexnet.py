"""Exercise 7's answer key: the reference AlexNet as the model oracle builds it, in each accepted padding."""

from grader.reference import models as ref


class AlexNet(ref.AlexNet):
    """The reference for the oracle's `(kwargs, **variant)`, a variant being one of the declaration's
    PADDINGS. A class, so that the course's key hands it over as it is: only the oracle's answers
    are recorded into a bank, never a module."""

    def __init__(self, kwargs: dict, conv1_padding=(3, 4), pool_padding=(0, 1)):
        super().__init__(**kwargs, conv1_padding=tuple(conv1_padding), pool_padding=tuple(pool_padding))
