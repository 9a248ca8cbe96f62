"""SALGL's label embedding from the checkpoint being loaded (issue 19, 12).

A trained or converted SALGL checkpoint carries ``neck.label_embedding``
(the reference's ``embeddings``; docs/reference/salgl.md, "Checkpoint
layout"), so testing, resuming or fine-tuning from it needs no ``.npy``
file. When the config's ``model.neck.embedding_file`` is missing and a
checkpoint will be loaded, :func:`embedding_from_checkpoint` switches the
neck to ``embedding_from_checkpoint=True`` with the checkpoint's embedding
size, after checking that the checkpoint holds the key; the neck itself
refuses a forward pass until a loaded state dict has filled the buffer.
"""
import os.path as osp
from typing import Optional

import torch
from mmengine.logging import print_log
from mmengine.runner.checkpoint import _load_checkpoint

NECKS = ('SceneLabelGraphNeck', 'mmmlc.SceneLabelGraphNeck')
KEY = 'neck.label_embedding'


def _checkpoint_embedding(checkpoint: str) -> Optional[torch.Size]:
    """The shape of the checkpoint's ``neck.label_embedding``, or None."""
    try:  # no copy of the tensors in memory for a zip-format file
        loaded = torch.load(checkpoint, map_location='cpu',
                            weights_only=True, mmap=True)
    except Exception:  # legacy format or refused objects: the safe loader
        loaded = _load_checkpoint(checkpoint, map_location='cpu')
    state = loaded.get('state_dict', loaded) if isinstance(loaded,
                                                            dict) else {}
    for key in (KEY, f'module.{KEY}'):
        if torch.is_tensor(state.get(key)):
            return state[key].shape
    return None


def embedding_from_checkpoint(model_cfg: dict,
                              checkpoint: Optional[str]) -> bool:
    """Take SALGL's label embedding from ``checkpoint`` when no file has it.

    Nothing changes unless ``model_cfg.neck`` is a SceneLabelGraphNeck that
    reads ``embedding_file`` and that file does not exist. Then, with a
    checkpoint holding ``neck.label_embedding`` of shape (C, E), the neck
    gets ``embedding_from_checkpoint=True`` and ``embedding_dim=E``.

    Args:
        model_cfg (dict): The config's ``model``, changed in place.
        checkpoint (str, optional): The checkpoint that will be loaded
            (``tools/test.py`` CHECKPOINT, ``load_from``, ``--resume``).

    Returns:
        bool: Whether the neck now takes the embedding from the checkpoint.

    Raises:
        FileNotFoundError: If neither the file nor the checkpoint provides
            the embedding.
    """
    neck = model_cfg.get('neck')
    if not isinstance(neck, dict) or neck.get('type') not in NECKS:
        return False
    if neck.get('embedding_from_checkpoint') or neck.get('random_embedding'):
        return False
    path = neck.get('embedding_file')
    if path is not None and osp.isfile(path):
        return False
    if not checkpoint:
        return False  # the neck's own error names the file and the options
    shape = _checkpoint_embedding(checkpoint) if osp.isfile(
        checkpoint) else None
    if shape is None or len(shape) != 2:
        raise FileNotFoundError(
            f'SALGL label embedding: the file model.neck.embedding_file='
            f'{path} does not exist and the checkpoint {checkpoint} holds no '
            f'{KEY} (a (num_classes, embedding_dim) tensor). Set '
            'model.neck.embedding_file to the .npy written by '
            'tools/dataset_converters/label_embeddings.py, or load a trained '
            'or converted SALGL checkpoint that carries it.')
    if neck.get('embedding_dim', shape[1]) != shape[1]:
        print_log(
            f'SALGL: embedding_dim {neck.get("embedding_dim")} of the config '
            f'replaced by {shape[1]}, the size of {KEY} in {checkpoint}',
            logger='current')
    neck['embedding_dim'] = int(shape[1])
    neck['embedding_from_checkpoint'] = True
    print_log(
        f'SALGL: label embedding file {path} not found; the neck takes '
        f'{KEY} {tuple(shape)} from {checkpoint}.', logger='current')
    return True
