"""Local features of a picture: ORB keypoints and binary descriptors at a fixed analysis size.

Stills and video frames are compared at the same scale: the picture's grey levels are
shrunk (area averaging, which also melts film grain and compression noise) so that its
longer side is ``ANALYSIS_SIDE`` pixels, then ORB (FAST corners + rotated BRIEF, an 8-level
pyramid) describes its most distinctive corners. BRIEF compares pairs of pixel intensities,
so a monotonic change of the tone curve (grading, brightness, contrast, black and white)
leaves the descriptors almost unchanged; the pyramid covers the scale changes of a zoom or a
picture-in-picture; and matching local corners survives crops and letterbox bars, which
whole-frame hashes do not.
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
    scale = side / max(height, width)
    if scale >= 1.0:
        return np.ascontiguousarray(gray)
    size = (max(1, round(width * scale)), max(1, round(height * scale)))
    return np.asarray(cv2.resize(gray, size, interpolation=cv2.INTER_AREA), dtype=np.uint8)


def describe(gray: GrayImage, limit: int) -> Features:
    """ORB features of an analysis-size grey picture (at most ``limit`` keypoints)."""
    orb = cv2.ORB.create(
        nfeatures=limit,
        scaleFactor=_SCALE_FACTOR,
        nlevels=_LEVELS,
        fastThreshold=_FAST_THRESHOLD,
    )
    keypoints, descriptors = orb.detectAndCompute(gray, None)
    height, width = gray.shape[:2]
    if descriptors is None or not keypoints:
        return Features(np.zeros((0, 2), np.float32), np.zeros((0, 32), np.uint8), width, height)
    points = np.array([k.pt for k in keypoints], dtype=np.float32)
    return Features(points, np.asarray(descriptors, dtype=np.uint8), width, height)
