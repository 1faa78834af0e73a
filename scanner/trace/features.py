"""Local features of a picture: ORB keypoints and binary descriptors at a fixed analysis size.

Stills and video frames are compared at the same scale: the picture's grey levels are
shrunk (area averaging, which also melts film grain and compression noise) so that its
longer side is ``ANALYSIS_SIDE`` pixels, then ORB (FAST corners + rotated BRIEF, an 8-level
pyramid) describes its most distinctive corners. BRIEF compares pairs of pixel intensities,
so a monotonic change of the tone curve (grading, brightness, contrast, black and white)
leaves the descriptors almost unchanged; the pyramid covers the scale changes of a zoom or a
picture-in-picture; and matching local corners survives crops and letterbox bars, which
whole-frame hashes do not.

ORB keeps only corners whose 31-pixel patch lies ``_EDGE`` pixels inside the border, so a
picture narrower than ``ORB_MIN_SIDE`` has no corner at all, and OpenCV asserts (it does not
just find nothing) when a pyramid level of a one-pixel-wide picture rounds to zero pixels.
``describe`` therefore answers "no features" for such pictures without calling OpenCV.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np
from numpy.typing import NDArray

ANALYSIS_SIDE = 640  # longer side, in pixels, of every picture that is described
REFERENCE_FEATURES = 800  # corners kept per still (more: better recall, slower matching)
FRAME_FEATURES = 800  # corners kept per video frame
_SCALE_FACTOR = 1.2
_LEVELS = 8  # 1.2 ** 7 = 3.6x: a still at half the frame to a 1.5x zoom into a 75% crop
_FAST_THRESHOLD = 12  # lower than OpenCV's 20: graded, low-contrast pictures keep corners
_EDGE = 31  # ORB's edgeThreshold and patchSize (OpenCV's defaults, kept)
ORB_MIN_SIDE = 2 * _EDGE + 1  # a shorter side below this holds no corner ORB can describe

GrayImage = NDArray[np.uint8]


@dataclass(frozen=True, slots=True)
class Features:
    """Keypoint positions (N x 2, analysis pixels) and their ORB descriptors (N x 32 bytes)."""

    points: NDArray[np.float32]
    descriptors: NDArray[np.uint8]
    width: int  # size of the analysed picture
    height: int

    @property
    def count(self) -> int:
        """How many keypoints were found."""
        return int(self.points.shape[0])


def to_analysis_size(gray: GrayImage, side: int = ANALYSIS_SIDE) -> GrayImage:
    """The picture shrunk (never enlarged) so that its longer side is ``side`` pixels."""
    height, width = gray.shape[:2]
    scale = side / max(height, width, 1)
    if scale >= 1.0 or min(height, width) == 0:
        return np.ascontiguousarray(gray)
    size = (max(1, round(width * scale)), max(1, round(height * scale)))
    return np.asarray(cv2.resize(gray, size, interpolation=cv2.INTER_AREA), dtype=np.uint8)


def no_features(width: int = 0, height: int = 0) -> Features:
    """The features of a picture in which nothing can be recognised."""
    return Features(np.zeros((0, 2), np.float32), np.zeros((0, 32), np.uint8), width, height)


def describe(gray: GrayImage, limit: int) -> Features:
    """ORB features of an analysis-size grey picture (at most ``limit`` keypoints); none for
    a picture that is not 2-D 8-bit grey or is smaller than ORB can describe."""
    if gray.ndim != 2 or gray.dtype != np.uint8:
        return no_features()
    height, width = gray.shape
    if min(height, width) < ORB_MIN_SIDE:
        return no_features(width, height)
    orb = cv2.ORB.create(
        nfeatures=limit,
        scaleFactor=_SCALE_FACTOR,
        nlevels=_LEVELS,
        fastThreshold=_FAST_THRESHOLD,
    )
    keypoints, descriptors = orb.detectAndCompute(np.ascontiguousarray(gray), None)
    if descriptors is None or not keypoints:
        return no_features(width, height)
    points = np.array([k.pt for k in keypoints], dtype=np.float32)
    return Features(points, np.asarray(descriptors, dtype=np.uint8), width, height)
