"""ONNX export of a classifier with its input normalisation and sigmoid."""
from typing import Optional, Tuple

import numpy as np
import torch
import torch.nn.functional as F
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


def fixed_size_reason(model: BaseModel) -> Optional[str]:
    """Why ``model`` cannot take another H x W once exported, or None.

    The export traces the model: sizes computed in Python from the input's
    shape become constants of the graph. That is the case of a
    fixed-size position embedding (a ViT's ``pos_embed``, resized in Python
    to the traced patch grid) and of SALGL's sine position encoding
    (``position_encoding=True``, computed for the traced map size).
    Convolutional backbones with global pooling, SALGL without position
    encoding and the per-class heads compute everything from the tensors.

    Args:
        model (BaseModel): The classifier.

    Returns:
        str or None: The reason, naming the module.
    """
    for name, module in model.named_modules():
        if isinstance(getattr(module, 'pos_embed', None), torch.Tensor):
            return (f'model.{name} ({type(module).__name__}) has a '
                    'fixed-size position embedding (pos_embed of shape '
                    f'{tuple(module.pos_embed.shape)})')
        if getattr(module, 'position_encoding', False) is True:
            return (f'model.{name} ({type(module).__name__}) computes its '
                    'position encoding for the traced feature-map size '
                    '(position_encoding=True)')
    return None


def _traceable_mha_forward(self, query: Tensor, key: Tensor, value: Tensor,
                           key_padding_mask=None, need_weights: bool = True,
                           attn_mask=None, average_attn_weights: bool = True,
                           is_causal: bool = False):
    """``nn.MultiheadAttention.forward`` (eval) without Python sizes.

    PyTorch's ``multi_head_attention_forward`` reshapes with the sequence
    length and ``batch * heads`` read as Python ints, which tracing turns
    into constants: the exported graph then only runs at the traced batch
    and token count. This is the same computation (scaled dot-product
    attention, Vaswani et al., NeurIPS 2017, eq. 1, per head, then the
    output projection) with reshapes that keep those axes symbolic. No
    masks, no dropout (export is in eval mode).
    """
    if key_padding_mask is not None or attn_mask is not None or is_causal:
        raise ValueError('ONNX export: attention masks are not supported by '
                         'the traceable attention')
    if not self._qkv_same_embed_dim or self.bias_k is not None:
        raise ValueError('ONNX export: only nn.MultiheadAttention with one '
                         'in-projection and no bias_k/bias_v is supported')
    if not self.batch_first:  # (N, B, E) -> (B, N, E)
        query, key, value = (x.transpose(0, 1) for x in (query, key, value))
    w_q, w_k, w_v = self.in_proj_weight.chunk(3)
    b_q, b_k, b_v = (self.in_proj_bias.chunk(3) if self.in_proj_bias
                     is not None else (None, None, None))
    heads, head_dim = self.num_heads, self.head_dim

    def split(x, weight, bias):  # (B, N, E) -> (B, h, N, d)
        return F.linear(x, weight, bias).unflatten(
            -1, (heads, head_dim)).transpose(1, 2)

    q = split(query, w_q, b_q) * head_dim**-0.5
    k, v = split(key, w_k, b_k), split(value, w_v, b_v)
    attn = (q @ k.transpose(-2, -1)).softmax(dim=-1)  # (B, h, N, M)
    out = self.out_proj((attn @ v).transpose(1, 2).flatten(2))
    if not self.batch_first:
        out = out.transpose(0, 1)
    weights = None
    if need_weights:
        weights = attn.mean(1) if average_attn_weights else attn
    return out, weights


def export_onnx(model: BaseModel,
                out_file: str,
                input_shape: Tuple[int, int, int],
                logits: bool = False,
                opset: int = 17,
                dynamic_size: bool = True) -> None:
    """Write ``model`` to ``out_file`` with dynamic batch (and H x W).

    Input ``images`` ``(batch, 3, height, width)`` float32 BGR 0-255,
    output ``scores`` ``(batch, C)``: see :class:`DeployedClassifier`.

    Args:
        model (BaseModel): Classifier in eval mode, on the CPU.
        out_file (str): The ``.onnx`` file.
        input_shape (tuple[int, int, int]): ``(3, H, W)`` of the traced
            input.
        logits (bool): Output logits instead of probabilities.
        opset (int): ONNX opset.
        dynamic_size (bool): Make H and W dynamic too (else they are fixed
            to ``input_shape``).

    Raises:
        ValueError: With ``dynamic_size`` for a model that cannot take
            another size (:func:`fixed_size_reason`).
    """
    axes = dict(images={0: 'batch'}, scores={0: 'batch'})
    if dynamic_size:
        reason = fixed_size_reason(model)
        if reason is not None:
            raise ValueError(
                f'cannot export with a dynamic input size: {reason}, so the '
                'graph would only be right at the traced size. Export '
                'with a fixed size instead (export_onnx.py --fixed-size).')
        axes['images'].update({2: 'height', 3: 'width'})
    wrapper = DeployedClassifier(model, logits).eval()
    dummy = torch.rand(2, *input_shape) * 255
    # nn.MultiheadAttention's inference fast path (SALGL's label attention)
    # is one fused op that ONNX has no symbol for; the plain path exports.
    # PyTorch's own attention traces its sizes as constants: exported with
    # _traceable_mha_forward instead.
    fastpath = torch.backends.mha.get_fastpath_enabled()
    torch.backends.mha.set_fastpath_enabled(False)
    mha_forward = nn.MultiheadAttention.forward
    nn.MultiheadAttention.forward = _traceable_mha_forward
    try:
        torch.onnx.export(
            wrapper, (dummy, ),
            out_file,
            input_names=['images'],
            output_names=['scores'],
            dynamic_axes=axes,
            opset_version=opset,
            dynamo=False)
    finally:
        nn.MultiheadAttention.forward = mha_forward
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


def resized_batch(data: dict, size: Tuple[int, int]) -> dict:
    """The batch with its packed images resized to ``size`` (H, W).

    For the parity check at a second input size of a graph exported with
    dynamic H x W: bilinear, rounded back to uint8 as the test pipeline
    packs images; the data samples are kept (the classifiers read only
    their labels and meta).

    Args:
        data (dict): A collated batch (``inputs`` (3, H, W) uint8 tensors).
        size (tuple[int, int]): The new (H, W).

    Returns:
        dict: A batch of the same images at ``size``.
    """
    images = torch.stack(list(data['inputs'])).float()
    images = torch.nn.functional.interpolate(
        images, size=tuple(size), mode='bilinear', align_corners=False)
    images = images.round().clamp(0, 255).to(torch.uint8)
    return dict(data, inputs=list(images))
