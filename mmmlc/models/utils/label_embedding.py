"""Read SALGL's (C, E) label-embedding file, with errors that say what to do."""
import os.path as osp
from typing import Optional

import numpy as np
import torch
from torch import Tensor


def load_label_embedding(path: Optional[str], num_classes: int,
                         embedding_dim: int) -> Tensor:
    """Read and check the (C, E) label-embedding file."""
    if path is None:
        raise ValueError(
            'SceneLabelGraphNeck needs label embeddings: set '
            'embedding_file to a (num_classes, embedding_dim) .npy file '
            '(tools/dataset_converters/label_embeddings.py writes one), '
            'embedding_from_checkpoint=True to take them from the '
            'checkpoint you load (neck.label_embedding), or '
            'random_embedding=True')
    if not osp.isfile(path):
        raise FileNotFoundError(
            f'label embedding file {path} not found; expected a .npy '
            f'array of shape ({num_classes}, {embedding_dim}). If the '
            'checkpoint you load holds neck.label_embedding (a trained '
            'or converted SALGL model), load it (tools/test.py CONFIG '
            'CHECKPOINT, load_from or --resume take the embedding from it '
            'when this file is missing) or set '
            'model.neck.embedding_from_checkpoint=True')
    try:
        array = np.load(path, allow_pickle=False)
    except (OSError, ValueError) as err:
        raise ValueError(
            f'label embedding file {path} is not a readable .npy array '
            f'({err}); expected shape ({num_classes}, {embedding_dim})'
        ) from err
    if array.ndim != 2:
        raise ValueError(
            f'label embedding file {path}: expected a 2-D array '
            f'({num_classes}, {embedding_dim}), got shape {array.shape}')
    if array.shape[0] != num_classes:
        raise ValueError(
            f'label embedding file {path} has {array.shape[0]} rows '
            f'(classes) but the model has num_classes={num_classes}')
    if array.shape[1] != embedding_dim:
        raise ValueError(
            f'label embedding file {path} has {array.shape[1]}-dim '
            f'embeddings but the model has embedding_dim={embedding_dim}')
    return torch.from_numpy(np.ascontiguousarray(array)).float()
