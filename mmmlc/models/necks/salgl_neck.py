"""SALGL's scene-aware label graph as an mmpretrain neck."""
from typing import Dict, Optional, Sequence, Tuple, Union

import torch
import torch.nn as nn
from mmengine.dist import all_reduce, get_world_size
from mmengine.model import BaseModule
from torch import Tensor

from mmmlc.registry import MODELS
from ..utils import (ContextEncoderLayer, GatedGraphPropagation,
                     LabelSemanticAttention, cooccurrence_to_transition,
                     hard_scene_assignment, label_cooccurrence,
                     scene_adjacency, sine_position_encoding)
from ..utils.label_embedding import load_label_embedding


@MODELS.register_module()
class SceneLabelGraphNeck(BaseModule):
    """Scene-aware label graph (SALGL) on a backbone's spatial map.

    Zhu et al., "Scene-Aware Label Graph Learning for Multi-Label Image
    Classification", ICCV 2023 (code: https://github.com/jasonseu/SALGL;
    the released model step by step: docs/reference/salgl.md,
    "Architecture as released"). In the paper's order, with B images,
    N tokens of size D, K scenes, C classes, E-dim label embeddings:

    1. tokens X0 (B, N, D): a (B, D, H, W) map flattened row-major, or
       (B, N, D) tokens as given (ViT ``out_type='raw'``, CLS included);
    2. context encoder: X = post-norm Transformer layer(X0) (B, N, D);
    3. scene classifier: pi = softmax(W_s mean_n X), W_s (K, D), no bias;
    4. in training with labels y: the co-occurrence buffer is updated
       with this batch **before** it is read (the batch counts in its own
       adjacency; see :meth:`update_cooccurrence`);
    5. semantic attention: label features F (B, C, D), alpha (B, C, N);
    6. adjacency A_hat (B, C, C) from the per-scene transition matrices
       (hard: the argmax scene's; soft: mixed by pi);
    7. gated graph propagation, T steps: H (B, C, D);
    8. fusion: O = tanh(W_o [F; H]) (B, C, D) (W_o: D -> D when T = 0).

    The per-class classifier (step 9) and the losses live in the head
    (:class:`SceneAwarePerClassHead`); this neck returns
    ``(scene_probs (B, K) float32, class_features (B, C, D))``.

    In hard mode the scene classifier gets no gradient through the
    adjacency (argmax), so only the head's scene-entropy terms train it,
    an unsupervised clustering; in soft mode the classification loss
    reaches it too.

    Buffers and state-dict keys (prefix ``neck.`` in a classifier; the
    reference's names in brackets for a weight converter):

    - ``comatrix`` (K, C, C) float32 buffer, persistent, zeros at init
      [``comatrix``]: per-scene label co-occurrence counts M, symmetric,
      ``M[k, i, i]`` = (weighted) count of label i in scene k, never
      reset. EMA it with the model (``update_buffers=True``).
    - ``label_embedding`` (C, E) float32 [``embeddings``]: a persistent
      buffer loaded from ``embedding_file`` (or, with
      ``embedding_from_checkpoint=True``, from the checkpoint loaded into
      the model), or a trainable N(0, 1) parameter with
      ``random_embedding=True``.
    - ``context_encoder.*`` [``tb.layers.0.*``]: see
      :class:`ContextEncoderLayer`.
    - ``scene_classifier.weight`` (K, D) [``scene_linear.weight``].
    - ``semantic_attention.*`` [``attention.*``]: see
      :class:`LabelSemanticAttention`.
    - ``graph.*`` [``ggnn.*``]: see :class:`GatedGraphPropagation`.
    - ``fusion.{weight,bias}`` (D, 2D) [``fc.0.*``].
    - The head holds the per-class classifier: ``head.weight`` (C, D),
      ``head.bias`` (C) [``classifier.weight``, ``classifier.bias``].
    - No position-encoding buffer: it is recomputed from the map size
      (the reference's ``position_embedding.pe`` can be dropped).

    Under DDP (mmengine's ``dist`` helpers, any backend) the per-batch
    increment of ``comatrix`` is all-reduced, so every rank holds the
    counts of the global batch, as the reference's all-gather does; the
    scene-entropy terms stay on the local batch (head). Counts are exact
    in float32 up to 2**24 per entry.

    :meth:`forward_with_details` also returns the attention maps and the
    adjacency for visualisation; a label cloud or co-occurrence heatmap
    needs only ``comatrix`` (take it from the EMA weights, which the
    Runner saves as ``state_dict`` when the EMA hook is on).

    Loading a state dict whose ``comatrix``, ``scene_classifier.weight``
    or ``label_embedding`` implies another K or C raises a ``ValueError``
    naming both numbers.

    Args:
        in_channels (int): Token size D of the backbone (2048 for ResNet-50
            /101/152, 1024 for ViT-L, 768 for ViT-B).
        num_classes (int): Classes C.
        num_scenes (int): Scenes K. Defaults to 6 (released COCO model;
            the reference's argparse default is 4, NUS-WIDE used 2).
        embedding_file (str, optional): ``.npy`` file of shape (C, E) with
            the label embeddings (BERT: E = 768; how they are made:
            docs/reference/salgl.md, "Label embeddings"), cast to float32.
            Required unless ``random_embedding`` or
            ``embedding_from_checkpoint``.
        embedding_dim (int): E. Defaults to 768 (BERT-base).
        random_embedding (bool): Use a trainable N(0, 1) (C, E) parameter
            instead of a file (the reference's ``embed_type=random``; also
            for tests). Defaults to False.
        embedding_from_checkpoint (bool): Read no file: make a (C, E)
            placeholder buffer that a checkpoint holding
            ``neck.label_embedding`` (a trained or converted SALGL model,
            loaded by ``tools/test.py``, ``load_from`` or ``resume``) fills;
            a forward before such a load raises. ``embedding_file`` is
            then ignored. Defaults to False.
        attention_dim (int): Joint size A of the semantic attention.
            Defaults to 1024.
        num_heads (int): Heads of the context encoder. Defaults to 8.
        ffn_dim (int): Feed-forward size of the context encoder. Defaults
            to 2048.
        dropout (float): Dropout of the context encoder. Defaults to 0.1.
        position_encoding (bool): Add a 2-D sine position encoding to the
            encoder's queries and keys (the reference's ``pos``). Needs a
            4-D (B, D, H, W) input. Defaults to False (released).
        num_steps (int): Graph propagation steps T. Defaults to 3.
        out_messages (bool): Also propagate along reversed edges (the
            reference's ``outmess``). Defaults to True (released).
        soft_scenes (bool): Mix the scene adjacencies and count the
            co-occurrences by pi instead of the argmax scene (the
            reference's ``soft``). Defaults to False (released).
        ignore_self (bool): Zero the diagonal of the transition matrices.
            Defaults to False (released).
        normalize (bool): Row-normalise the transition matrices. Defaults
            to True (released COCO model; argparse default False).
        init_cfg (dict, optional): mmengine init config. Defaults to None
            (PyTorch's default initialisation, as the reference).
    """

    def __init__(self,
                 in_channels: int,
                 num_classes: int,
                 num_scenes: int = 6,
                 embedding_file: Optional[str] = None,
                 embedding_dim: int = 768,
                 random_embedding: bool = False,
                 embedding_from_checkpoint: bool = False,
                 attention_dim: int = 1024,
                 num_heads: int = 8,
                 ffn_dim: int = 2048,
                 dropout: float = 0.1,
                 position_encoding: bool = False,
                 num_steps: int = 3,
                 out_messages: bool = True,
                 soft_scenes: bool = False,
                 ignore_self: bool = False,
                 normalize: bool = True,
                 init_cfg: Optional[dict] = None) -> None:
        super().__init__(init_cfg=init_cfg)
        self.in_channels = in_channels
        self.num_classes = num_classes
        self.num_scenes = num_scenes
        self.embedding_dim = embedding_dim
        self.position_encoding = position_encoding
        self.soft_scenes = soft_scenes
        self.ignore_self = ignore_self
        self.normalize = normalize

        self.context_encoder = ContextEncoderLayer(in_channels, num_heads,
                                                   ffn_dim, dropout)
        self.scene_classifier = nn.Linear(in_channels, num_scenes, bias=False)
        # True until a state dict brings `label_embedding` (host flag).
        self._embedding_pending = embedding_from_checkpoint
        if random_embedding and embedding_from_checkpoint:
            raise ValueError(
                'SceneLabelGraphNeck: give either random_embedding=True or '
                'embedding_from_checkpoint=True, not both')
        if embedding_from_checkpoint:
            self.register_buffer('label_embedding',
                                 torch.zeros(num_classes, embedding_dim))
        elif random_embedding:
            if embedding_file is not None:
                raise ValueError(
                    'SceneLabelGraphNeck: give either embedding_file or '
                    f'random_embedding=True, not both (got {embedding_file})')
            self.label_embedding = nn.Parameter(
                torch.randn(num_classes, embedding_dim))
        else:
            self.register_buffer(
                'label_embedding',
                load_label_embedding(embedding_file, num_classes,
                                     embedding_dim))
        self.register_buffer(
            'comatrix', torch.zeros(num_scenes, num_classes, num_classes))
        self.semantic_attention = LabelSemanticAttention(
            in_channels, embedding_dim, attention_dim)
        self.graph = GatedGraphPropagation(in_channels, num_steps,
                                           out_messages)
        fusion_in = 2 * in_channels if num_steps > 0 else in_channels
        self.fusion = nn.Linear(fusion_in, in_channels)

    def _load_from_state_dict(self, state_dict: dict, prefix: str, *args,
                              **kwargs) -> None:
        """Refuse a checkpoint made for another number of scenes/classes.

        mmengine's non-strict loading would only warn about a shape
        mismatch and keep the random weights, so this raises instead.
        """
        layouts = {
            'comatrix': (('num_scenes', self.num_scenes),
                         ('num_classes', self.num_classes),
                         ('num_classes', self.num_classes)),
            'scene_classifier.weight': (('num_scenes', self.num_scenes),
                                        ('in_channels', self.in_channels)),
            'label_embedding': (('num_classes', self.num_classes),
                                ('embedding_dim', self.embedding_dim)),
        }
        for key, layout in layouts.items():
            value = state_dict.get(prefix + key)
            if value is None:
                continue
            shape = tuple(value.shape)
            expected = tuple(size for _, size in layout)
            if shape == expected:
                continue
            if len(shape) != len(expected):
                details = [f'expected shape {expected}']
            else:
                details = [
                    f'{name}={got} in the checkpoint but {want} in this model'
                    for (name, want), got in zip(layout, shape) if got != want
                ]
            raise ValueError(
                f'cannot load {prefix}{key} of shape {shape} into '
                'SceneLabelGraphNeck: ' + '; '.join(dict.fromkeys(details)))
        super()._load_from_state_dict(state_dict, prefix, *args, **kwargs)
        if prefix + 'label_embedding' in state_dict:
            self._embedding_pending = False

    def _tokens(self, inputs: Union[Tensor, Sequence[Tensor]]
                ) -> Tuple[Tensor, Optional[Tensor]]:
        """Backbone output -> tokens (B, N, D) and position encoding."""
        feats = inputs[-1] if isinstance(inputs, (tuple, list)) else inputs
        if feats.dim() == 4:
            height, width = feats.shape[-2:]
            tokens = feats.flatten(2).transpose(1, 2)  # (B, H*W, D)
        elif feats.dim() == 3:
            height = width = None
            tokens = feats
        else:
            raise ValueError(
                'SceneLabelGraphNeck expects a (B, D, H, W) feature map or '
                f'(B, N, D) tokens, got shape {tuple(feats.shape)}')
        if tokens.shape[-1] != self.in_channels:
            raise ValueError(
                f'SceneLabelGraphNeck has in_channels={self.in_channels} but '
                f'the backbone gives {tokens.shape[-1]} channels')
        pos = None
        if self.position_encoding:
            if height is None:
                raise ValueError(
                    'position_encoding=True needs a (B, D, H, W) feature map; '
                    'token inputs (ViT) carry their own position embedding')
            pos = sine_position_encoding(height, width, self.in_channels,
                                         device=tokens.device)
        return tokens, pos

    def update_cooccurrence(self, scene_probs: Tensor,
                            gt_scores: Tensor) -> Tensor:
        """Add this batch's label co-occurrence to ``comatrix``.

        ``M[k] += sum_b w_bk y_b y_b^T`` with ``w`` the one-hot argmax
        scene (hard) or ``pi`` (soft), summed over every process (an
        all-reduce of the (K, C, C) increment, so ranks stay identical and
        equal one process on the global batch; each rank picks the argmax
        of its own samples). In soft mode the returned tensor carries the
        gradient of this rank's increment to ``pi`` (the reference's
        all-gather drops it under DDP; we keep the local part so DDP
        trains like a single process; docs/reference/salgl.md,
        "Co-occurrence buffer"); the stored buffer never has one.

        Args:
            scene_probs (Tensor): pi, (B, K).
            gt_scores (Tensor): Multi-hot targets y, (B, C).

        Returns:
            Tensor: The updated M (K, C, C) float32 to build this batch's
            adjacency from.
        """
        probs = scene_probs.float()
        weights = probs if self.soft_scenes else hard_scene_assignment(probs)
        local = label_cooccurrence(gt_scores.float(), weights)  # (K, C, C)
        total = local.detach().clone()
        if get_world_size() > 1:
            all_reduce(total, op='sum')
        # Value exactly `total` on every rank; gradient (soft) via `local`.
        increment = total + (local - local.detach())
        updated = self.comatrix + increment
        self.comatrix.copy_(updated.detach())
        return updated

    def forward_with_details(self,
                             inputs: Union[Tensor, Sequence[Tensor]],
                             gt_scores: Optional[Tensor] = None
                             ) -> Dict[str, Tensor]:
        """Run the module and return its intermediate results.

        Args:
            inputs (Tensor | Sequence[Tensor]): Backbone output; the last
                item is used: (B, D, H, W) map or (B, N, D) tokens.
            gt_scores (Tensor, optional): Multi-hot targets (B, C). The
                buffer is updated only in training mode and only when they
                are given.

        Returns:
            dict[str, Tensor]: ``scene_logits`` (B, K), ``scene_probs``
            (B, K) float32, ``attention`` (B, C, N) float32, ``adjacency``
            (B, C, C) float32 and ``class_features`` (B, C, D).
        """
        if self._embedding_pending:
            raise RuntimeError(
                'SceneLabelGraphNeck has embedding_from_checkpoint=True but '
                'no checkpoint loaded so far held neck.label_embedding: load '
                'a trained or converted SALGL checkpoint (tools/test.py '
                'CONFIG CHECKPOINT, load_from, resume), or set '
                'model.neck.embedding_file to a (num_classes, embedding_dim) '
                '.npy file and embedding_from_checkpoint=False')
        tokens, pos = self._tokens(inputs)  # (B, N, D)
        tokens = self.context_encoder(tokens, pos)  # (B, N, D)
        scene_logits = self.scene_classifier(tokens.mean(dim=1))  # (B, K)
        scene_probs = scene_logits.float().softmax(dim=-1)  # (B, K)
        label_features, attention = self.semantic_attention(
            tokens, self.label_embedding)  # (B, C, D), (B, C, N)

        # Counts and probabilities stay in float32 under AMP: bf16 would
        # round counts above 256 and the small transition probabilities.
        with torch.autocast(device_type=tokens.device.type, enabled=False):
            if self.training and gt_scores is not None:
                comatrix = self.update_cooccurrence(scene_probs, gt_scores)
            else:
                comatrix = self.comatrix
            transition = cooccurrence_to_transition(
                comatrix.float(), self.ignore_self, self.normalize)
            adjacency = scene_adjacency(transition, scene_probs,
                                        self.soft_scenes)  # (B, C, C)

        hidden = self.graph(label_features, adjacency)  # (B, C, D)
        if self.graph.num_steps > 0:
            hidden = torch.cat([label_features, hidden], dim=-1)  # (B,C,2D)
        class_features = torch.tanh(self.fusion(hidden))  # (B, C, D)
        return dict(
            scene_logits=scene_logits,
            scene_probs=scene_probs,
            attention=attention,
            adjacency=adjacency,
            class_features=class_features)

    def forward(self,
                inputs: Union[Tensor, Sequence[Tensor]],
                gt_scores: Optional[Tensor] = None) -> Tuple[Tensor, Tensor]:
        """Per-class features and scene probabilities for the head.

        Args:
            inputs (Tensor | Sequence[Tensor]): Backbone output (see
                :meth:`forward_with_details`).
            gt_scores (Tensor, optional): Multi-hot targets (B, C); given
                in training by :class:`LabelAwareClassifier` to update the
                co-occurrence buffer.

        Returns:
            tuple[Tensor, Tensor]: ``(scene_probs (B, K),
            class_features (B, C, D))``.
        """
        out = self.forward_with_details(inputs, gt_scores)
        return out['scene_probs'], out['class_features']
