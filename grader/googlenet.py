"""The lecture's GoogLeNet table (Szegedy et al. 2015), kept once: exercise 16's declaration
checks the student's Inception on its rows, and reference/inception.py builds them.

Each row: name, input channels, then the filter columns #1x1, #3x3 reduce, #3x3, #5x5 reduce,
#5x5, pool proj, and the output size H (= W). Lecture data, not an answer: it ships in the kit.
"""

GOOGLENET = (
    ("3a", 192, 64, 96, 128, 16, 32, 32, 28),
    ("3b", 256, 128, 128, 192, 32, 96, 64, 28),
    ("4a", 480, 192, 96, 208, 16, 48, 64, 14),
    ("4b", 512, 160, 112, 224, 24, 64, 64, 14),
    ("4c", 512, 128, 128, 256, 24, 64, 64, 14),
    ("4d", 512, 112, 144, 288, 32, 64, 64, 14),
    ("4e", 528, 256, 160, 320, 32, 128, 128, 14),
    ("5a", 832, 256, 160, 320, 32, 128, 128, 7),
    ("5b", 832, 384, 192, 384, 48, 128, 128, 7),
)
