"""Class activation maps of any classifier (Grad-CAM family), as a grid.

The maps come from the ``grad-cam`` package (Gildenblat et al.,
https://github.com/jacobgil/pytorch-grad-cam), which mmpretrain's
``tools/visualization/vis_cam.py`` also uses; the model is wrapped by
:class:`~mmmlc.apis.onnx_export.DeployedClassifier` with ``logits=True`` so
that the target of each map is one class's logit. Grad-CAM (Selvaraju et
al., ICCV 2017, https://arxiv.org/abs/1610.02391):

.. math::
    L^c = \\mathrm{ReLU}\\Big(\\sum_k \\alpha_k^c A^k\\Big),\\quad
    \\alpha_k^c = \\frac{1}{Z}\\sum_{i,j}
    \\frac{\\partial y^c}{\\partial A^k_{ij}}

with ``A`` the target layer's activations and ``y^c`` the class logit.

A model whose head is a :class:`~mmmlc.models.heads.CAMHead` (OASS) has
its own class maps; method ``'head'`` (what ``'auto'`` picks for it) returns
those, :meth:`CAMHead.get_cams` resized to the image, instead of Grad-CAM.
"""
from typing import List, Optional, Sequence

import numpy as np
import torch
from mmengine.model import BaseModel
from torch import nn

BOX_COLOR = (255, 0, 255)
CAM_METHODS = ('gradcam', 'gradcam++', 'xgradcam', 'eigencam', 'layercam',
               'hirescam')
#: ``'auto'``: the head's own CAMs for a CAMHead, else Grad-CAM.
ALL_METHODS = ('auto', 'head') + CAM_METHODS


def has_cam_head(model: BaseModel) -> bool:
    """Whether the model's head is a :class:`~mmmlc.models.heads.CAMHead`."""
    from mmmlc.models.heads.cam_head import CAMHead
    return isinstance(getattr(model, 'head', None), CAMHead)


def resolve_method(model: BaseModel, method: str) -> str:
    """``'auto'`` -> ``'head'`` for a CAMHead model, else ``'gradcam'``."""
    if method == 'auto':
        return 'head' if has_cam_head(model) else 'gradcam'
    if method == 'head' and not has_cam_head(model):
        raise ValueError(
            f"CAM method 'head' needs a model with a CAMHead, this one has "
            f'{type(getattr(model, "head", None)).__name__}; use a Grad-CAM '
            f'method ({", ".join(CAM_METHODS)})')
    return method


@torch.no_grad()
def head_class_activation_maps(model: BaseModel, images: torch.Tensor,
                               class_indices: Sequence[Sequence[int]]
                               ) -> List:
    """The CAM head's own maps of the chosen classes, at the image size.

    ``CAMHead.get_cams(head.class_maps(extract_feat(x)), size=(H, W))``:
    ReLU of the class maps, bilinear to the image, divided by the maximum
    (docs/reference/oass.md, "Architecture").

    Args:
        model (BaseModel): Classifier with a CAMHead, in eval mode.
        images (Tensor): (B, 3, H, W) float BGR 0-255.
        class_indices (Sequence[Sequence[int]]): For each image, classes.

    Returns:
        list[np.ndarray]: For each image, ``(K_b, H, W)`` float32 maps.
    """
    from mmmlc.apis.onnx_export import DeployedClassifier
    x = DeployedClassifier(model).normalize(images.float())
    class_maps = model.head.class_maps(model.extract_feat(x))
    cams = model.head.get_cams(class_maps, size=tuple(images.shape[-2:]))
    return [
        cam[list(classes)].cpu().numpy().astype(np.float32)
        for cam, classes in zip(cams, class_indices)
    ]


def _cam_class(method: str):
    import pytorch_grad_cam as cams
    table = {
        'gradcam': cams.GradCAM,
        'gradcam++': cams.GradCAMPlusPlus,
        'xgradcam': cams.XGradCAM,
        'eigencam': cams.EigenCAM,
        'layercam': cams.LayerCAM,
        'hirescam': cams.HiResCAM,
    }
    if method not in table:
        raise ValueError(f'unknown CAM method {method!r}; choose from '
                         f'{CAM_METHODS}')
    return table[method]


def default_target_layer(model: BaseModel) -> str:
    """Dotted name of the last stage the backbone outputs (ResNet family).

    mmpretrain's ResNets list their stages in ``res_layers``; the stage of
    the last ``out_indices`` entry is the map the neck and head see. Other
    backbones need ``target_layer`` by name.
    """
    backbone = getattr(model, 'backbone', None)
    stages = getattr(backbone, 'res_layers', None)
    if not stages:
        raise ValueError(
            f'no default CAM layer for {type(backbone).__name__}: give the '
            'layer by name, e.g. --target-layer backbone.layer4 (the names '
            'are those of model.named_modules())')
    index = tuple(getattr(backbone, 'out_indices', (len(stages) - 1, )))[-1]
    return f'backbone.{stages[index]}'


def class_activation_maps(model: BaseModel,
                          images: torch.Tensor,
                          class_indices: Sequence[Sequence[int]],
                          method: str = 'auto',
                          target_layer: Optional[str] = None) -> List:
    """Heatmaps of the chosen classes of each image.

    Args:
        model (BaseModel): Classifier in eval mode.
        images (Tensor): (B, 3, H, W) float BGR 0-255, as the test pipeline
            packs them.
        class_indices (Sequence[Sequence[int]]): For each image, the classes
            to map.
        method (str): One of :data:`ALL_METHODS`: ``'auto'`` (default)
            is ``'head'`` (:func:`head_class_activation_maps`) for a model
            with a CAMHead and ``'gradcam'`` otherwise; a Grad-CAM method
            forces Grad-CAM.
        target_layer (str, optional): Dotted module name; None for
            :func:`default_target_layer`. Grad-CAM only.

    Returns:
        list[np.ndarray]: For each image, ``(K_b, H, W)`` float32 maps in
        [0, 1] (the package's min-max scaling, or the CAM head's), one per
        requested class.
    """
    method = resolve_method(model, method)
    if method == 'head':
        return head_class_activation_maps(model, images, class_indices)
    from pytorch_grad_cam.utils.model_targets import \
        ClassifierOutputTarget

    from mmmlc.apis.onnx_export import DeployedClassifier
    wrapper = DeployedClassifier(model, logits=True).eval()
    name = target_layer or default_target_layer(model)
    modules = dict(model.named_modules())
    if name not in modules:
        raise ValueError(f'no module {name!r} in the model')
    layer: nn.Module = modules[name]
    maps = []
    with _cam_class(method)(model=wrapper, target_layers=[layer]) as cam:
        for image, classes in zip(images, class_indices):
            classes = list(classes)
            if not classes:
                maps.append(np.zeros((0, ) + tuple(image.shape[1:]),
                                     np.float32))
                continue
            batch = image[None].float().repeat(len(classes), 1, 1, 1)
            targets = [ClassifierOutputTarget(int(c)) for c in classes]
            maps.append(np.asarray(cam(batch, targets), np.float32))
    return maps


def draw_boxes(image: np.ndarray, boxes: np.ndarray,
               color: Sequence[int] = BOX_COLOR,
               width: Optional[int] = None) -> np.ndarray:
    """Rectangles on a copy of an image.

    Args:
        image (np.ndarray): (H, W, 3) uint8.
        boxes (np.ndarray): (N, 4) ``x1, y1, x2, y2`` pixels, ends
            exclusive (the outline runs along the box's outermost pixels).
        color (Sequence[int]): RGB. Defaults to magenta, which a jet
            heatmap never shows.
        width (int, optional): Line width in pixels; None: 1 per 50 px of
            the shorter side, at least 1.

    Returns:
        np.ndarray: The image with the outlines.
    """
    from PIL import Image, ImageDraw
    height, wide = image.shape[:2]
    width = width or max(1, round(min(height, wide) / 50))
    canvas = Image.fromarray(np.ascontiguousarray(image, np.uint8))
    draw = ImageDraw.Draw(canvas)
    for x1, y1, x2, y2 in np.asarray(boxes, np.float64).reshape(-1, 4):
        draw.rectangle([int(round(x1)), int(round(y1)),
                        int(round(x2)) - 1, int(round(y2)) - 1],
                       outline=tuple(int(c) for c in color), width=width)
    return np.asarray(canvas)


def draw_cam_grid(images: Sequence[np.ndarray], maps: Sequence[np.ndarray],
                  titles: Sequence[Sequence[str]], out_file: str,
                  cell_inches: float = 2.2,
                  boxes: Optional[Sequence[Sequence[np.ndarray]]] = None
                  ) -> None:
    """One PNG: a row per image, the image then one overlay per class.

    Args:
        images (Sequence[np.ndarray]): (H, W, 3) uint8 RGB images.
        maps (Sequence[np.ndarray]): For each image, (K, H, W) maps in [0, 1].
        titles (Sequence[Sequence[str]]): For each image, K titles.
        out_file (str): The ``.png`` to write.
        cell_inches (float): Size of one cell.
        boxes (Sequence[Sequence[np.ndarray]], optional): For each image,
            K arrays (N, 4) of ``x1, y1, x2, y2`` boxes drawn on the
            overlays (:func:`draw_boxes`). Defaults to None.
    """
    import matplotlib
    matplotlib.use('Agg')
    import matplotlib.pyplot as plt
    from pytorch_grad_cam.utils.image import show_cam_on_image
    cols = 1 + max((len(m) for m in maps), default=0)
    rows = len(images)
    fig, axes = plt.subplots(rows, cols, squeeze=False,
                             figsize=(cell_inches * cols, cell_inches * rows))
    for r, (image, image_maps, row_titles) in enumerate(
            zip(images, maps, titles)):
        axes[r][0].imshow(image)
        axes[r][0].set_title('input', fontsize=8)
        for k, heat in enumerate(image_maps):
            overlay = show_cam_on_image(image.astype(np.float32) / 255, heat,
                                        use_rgb=True)
            if boxes is not None:
                overlay = draw_boxes(overlay, boxes[r][k])
            axes[r][k + 1].imshow(overlay)
            axes[r][k + 1].set_title(row_titles[k], fontsize=8)
    for ax in axes.ravel():
        ax.axis('off')
    fig.tight_layout()
    fig.savefig(out_file, dpi=100)
    plt.close(fig)
