"""ONNX export of a classifier with its input normalisation and sigmoid."""
from typing import Optional, Tuple

import numpy as np
import torch
from mmengine.model import BaseModel
from torch import Tensor, nn


class DeployedClassifier(nn.Module):
    """The model as one graph: test-pipeline images in, probabilities out.

    The input is what the config's test pipeline packs, as float: ``(B, 3,
    H, W)`` BGR pixel values in 0-255 (``PackInputs`` layout, before the
    data preprocessor). The graph applies the preprocessor's channel flip
    and ``(x - mean) / std``, runs ``model(x, mode='tensor')`` (backbone,
    neck, head: the logits) and the sigmoid of mmpretrain's multi-label
    heads, unless ``logits=True``.

    Args:
        model (BaseModel): An mmpretrain classifier in eval mode.
        logits (bool): Output logits instead of probabilities.
    """

    def __init__(self, model: BaseModel, logits: bool = False) -> None:
        super().__init__()
        self.model = model
        self.logits = logits
        pre = model.data_preprocessor
        # ClsDataPreprocessor says ``to_rgb``, SelfSupDataPreprocessor
        # ``_channel_conversion``.
        self.flip = bool(
            getattr(pre, 'to_rgb', False)
            or getattr(pre, '_channel_conversion', False))
        normalize = getattr(pre, '_enable_normalize', False)
        mean = pre.mean if normalize else torch.zeros(3, 1, 1)
        std = pre.std if normalize else torch.ones(3, 1, 1)
        self.register_buffer('mean', mean.detach().clone().view(1, -1, 1, 1))
        self.register_buffer('std', std.detach().clone().view(1, -1, 1, 1))

    def normalize(self, images: Tensor) -> Tensor:
        """(B, 3, H, W) BGR 0-255 -> the model's input, as the preprocessor.
        """
        if self.flip:
            images = images.flip(1)  # BGR -> RGB, as the preprocessor
        return (images - self.mean) / self.std

    def forward(self, images: Tensor) -> Tensor:
        """(B, 3, H, W) BGR 0-255 -> (B, C) probabilities (or logits)."""
        logits = self.model(self.normalize(images), mode='tensor')  # (B, C)
        return logits if self.logits else logits.sigmoid()


def export_onnx(model: BaseModel,
                out_file: str,
                input_shape: Tuple[int, int, int],
                logits: bool = False,
                opset: int = 17) -> None:
    """Write ``model`` to ``out_file`` with a dynamic batch axis.

    Input ``images`` ``(batch, 3, H, W)`` float32 BGR 0-255, output
    ``scores`` ``(batch, C)``: see :class:`DeployedClassifier`.

    Args:
        model (BaseModel): Classifier in eval mode, on the CPU.
        out_file (str): The ``.onnx`` file.
        input_shape (tuple[int, int, int]): ``(3, H, W)``; H and W are fixed.
        logits (bool): Output logits instead of probabilities.
        opset (int): ONNX opset.
    """
    wrapper = DeployedClassifier(model, logits).eval()
    dummy = torch.rand(2, *input_shape) * 255
    # nn.MultiheadAttention's inference fast path (SALGL's label attention)
    # is one fused op that ONNX has no symbol for; the plain path exports.
    fastpath = torch.backends.mha.get_fastpath_enabled()
    torch.backends.mha.set_fastpath_enabled(False)
    try:
        torch.onnx.export(
            wrapper, (dummy, ),
            out_file,
            input_names=['images'],
            output_names=['scores'],
            dynamic_axes=dict(images={0: 'batch'}, scores={0: 'batch'}),
            opset_version=opset,
            dynamo=False)
    finally:
        torch.backends.mha.set_fastpath_enabled(fastpath)


def onnx_scores(onnx_file: str, images: np.ndarray) -> np.ndarray:
    """Run the exported model with onnxruntime on the CPU.

    Args:
        onnx_file (str): Exported model.
        images (np.ndarray): (B, 3, H, W) float32 BGR 0-255.

    Returns:
        np.ndarray: (B, C) outputs.
    """
    import onnxruntime as ort
    session = ort.InferenceSession(onnx_file,
                                   providers=['CPUExecutionProvider'])
    return session.run(['scores'], {'images': images.astype(np.float32)})[0]


@torch.no_grad()
def torch_scores(model: BaseModel, data: dict,
                 logits: bool = False) -> Tuple[np.ndarray, np.ndarray]:
    """The PyTorch reference through the model's own path.

    Args:
        model (BaseModel): Classifier in eval mode.
        data (dict): A collated batch of the test pipeline (``inputs`` a
            list of (3, H, W) uint8 tensors).
        logits (bool): Reference logits instead of ``pred_score``.

    Returns:
        tuple: ``images`` (B, 3, H, W) float32 for the ONNX model and the
        reference ``scores`` (B, C).
    """
    images = torch.stack(list(data['inputs'])).float()
    if logits:
        inputs = model.data_preprocessor(data, False)['inputs']
        ref = model(inputs, mode='tensor')
    else:
        ref = torch.stack([s.pred_score for s in model.test_step(data)])
    return images.numpy(), ref.float().numpy()


def max_abs_difference(a: np.ndarray, b: np.ndarray,
                       name: Optional[str] = None) -> float:
    """Largest absolute difference of two same-shape arrays."""
    if a.shape != b.shape:
        raise ValueError(f'{name or "outputs"}: shapes {a.shape} and '
                         f'{b.shape} differ')
    return float(np.abs(a.astype(np.float64) - b.astype(np.float64)).max())
