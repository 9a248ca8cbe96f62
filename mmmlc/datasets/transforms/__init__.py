"""Box-aware view transforms (object-aware cropping and its box sources)."""
from .color_jitter import ColorJitterFixedHue, adjust_hue_bgr
from .loading import ImageDecodeError, LoadImageFast, LoadImageFromFile
from .object_crops import ObjectCrop, SceneCrop
from .proposal_file import ProposalTable, load_proposals, save_proposals
from .proposals import LoadProposals
from .select_box import FallbackCounter, SelectObjectBox
from .separated_crops import RandomSeparatedCrops, ViewBoxCrop
from .view_swap import RandomViewSwap
from .multi_crop import BoxAwareRandomResizedCrop
from .fast_views import (FastColorJitter, FastGaussianBlur,
                         FastRandomGrayscale, FastRandomResizedCrop)
from .fast_randaugment import (FastAutoContrast, FastContrast, FastEqualize,
                               FastSolarize)

__all__ = [
    'ColorJitterFixedHue', 'adjust_hue_bgr', 'ObjectCrop', 'SceneCrop',
    'ProposalTable', 'load_proposals', 'save_proposals', 'LoadProposals', 'FallbackCounter', 'SelectObjectBox',
    'RandomSeparatedCrops', 'ViewBoxCrop', 'RandomViewSwap',
    'BoxAwareRandomResizedCrop', 'FastColorJitter', 'FastGaussianBlur',
    'FastRandomGrayscale', 'FastRandomResizedCrop', 'LoadImageFast',
    'FastAutoContrast', 'FastContrast', 'FastEqualize', 'FastSolarize',
    'ImageDecodeError', 'LoadImageFromFile'
]
