"""Write the (C, E) label-embedding ``.npy`` that SALGL's neck reads.

Two methods:

``bert`` (the paper's; ``--model PATH`` to a LOCAL BERT folder, e.g. a
saved ``bert-base-uncased``; needs ``transformers``; nothing is downloaded:
``HF_HUB_OFFLINE=1`` and ``local_files_only=True``). The reference's
``scripts/embedding.py`` (docs/reference/salgl.md), step by step:

1. VOC names are respelt: ``diningtable`` -> ``dining table``,
   ``pottedplant`` -> ``potted plant``, ``tvmonitor`` -> ``tv monitor``;
2. the text ``"[CLS] " + name`` is word-piece tokenised (the literal
   ``[CLS]`` becomes the CLS token; no ``[SEP]`` is added);
3. the ids go through BERT as ``model(ids, segments)`` with ``segments``
   all ones. In ``transformers`` the second positional argument of
   ``BertModel.forward`` is ``attention_mask``, not ``token_type_ids``, so
   the reference in effect runs with an all-ones attention mask and
   token-type ids 0 (the reference's variable name ``segments`` suggests
   token-type ids of 1, but BERT never receives them); we pass exactly
   that;
4. from the last hidden layer (1, L, 768): the vector of the single
   word-piece if the name is one word-piece (L = 2), else the vector of
   the CLS token (position 0);
5. stacked in class order, saved as float64 (C, 768).

``ngram`` (fallback when no language model is at hand): a deterministic
embedding from hashed character n-grams of the name. Each name is written
``<name>`` (lower case), every character 2-, 3- and 4-gram adds +1 or -1
(sign and slot from a BLAKE2 hash of the n-gram) to one of E slots, and
the vector is scaled to norm sqrt(E) (entries about unit size, as the
trainable N(0, 1) embeddings). Names that share spelling get correlated
vectors; there is no meaning in it, so a model trained with these
embeddings is NOT the paper's model and its numbers differ from the paper.

Class names come from a dataset config (the train dataset's classes: the
config's ``metainfo.classes`` if set, else the dataset class's static list
(VOC, DigitScenes), else the dataset is built, which reads its annotation
files: COCO, NUS-WIDE) or from a text file with one name per line (the
reference's ``label.txt``).

Examples::

    python tools/dataset_converters/label_embeddings.py \\
        data/label_embeddings/coco14_bert-base-uncased.npy \\
        --dataset-config configs/_base_/datasets/coco14_448.py \\
        --method bert --model /models/bert-base-uncased
    python tools/dataset_converters/label_embeddings.py \\
        data/label_embeddings/voc07_ngram.npy --classes label.txt \\
        --method ngram
"""
import argparse
import hashlib
import os
import os.path as osp
from typing import List, Optional, Sequence

import numpy as np

# The reference's respellings of VOC class names.
NAME_MAPPING = {
    'diningtable': 'dining table',
    'pottedplant': 'potted plant',
    'tvmonitor': 'tv monitor',
}
NGRAM_SIZES = (2, 3, 4)


def read_class_file(path: str) -> List[str]:
    """Class names, one per line, in file order.

    Args:
        path (str): Text file.

    Returns:
        list[str]: The names, stripped.
    """
    if not osp.isfile(path):
        raise FileNotFoundError(f'class list {path} not found; expected a '
                                'text file with one class name per line')
    with open(path, encoding='utf-8') as f:
        lines = [line.strip() for line in f]
    while lines and not lines[-1]:
        lines.pop()
    empty = [i + 1 for i, name in enumerate(lines) if not name]
    if empty or not lines:
        raise ValueError(f'class list {path}: expected one non-empty class '
                         f'name per line; empty lines {empty or "(file)"}')
    if len(set(lines)) != len(lines):
        duplicated = sorted({n for n in lines if lines.count(n) > 1})
        raise ValueError(f'class list {path}: duplicated names {duplicated}')
    return lines


def classes_from_config(path: str) -> List[str]:
    """Class names of the train dataset of an mmmlc config.

    Args:
        path (str): Config file (a dataset base or a full config).

    Returns:
        list[str]: ``metainfo['classes']`` in order.
    """
    from mmengine.config import Config
    from mmengine.registry import init_default_scope

    import mmmlc  # noqa: F401  (compatibility set-up, registries)
    from mmmlc.registry import DATASETS
    cfg = Config.fromfile(path)
    if 'train_dataloader' not in cfg:
        raise ValueError(f'{path}: expected a config with train_dataloader '
                         '(a dataset base or a full config)')
    dataset_cfg = cfg.train_dataloader.dataset
    init_default_scope('mmmlc')
    dataset_cls = DATASETS.get(dataset_cfg['type'])
    if dataset_cls is None:
        raise ValueError(f'{path}: dataset type {dataset_cfg["type"]!r} is '
                         'not registered')
    given = (dataset_cfg.get('metainfo') or {}).get('classes')
    if given:
        return [str(name) for name in given]
    static = getattr(dataset_cls, 'METAINFO', {}).get('classes')
    if static:
        return [str(name) for name in static]
    dataset = DATASETS.build(dataset_cfg)
    return [str(name) for name in dataset.metainfo['classes']]


def reference_text(name: str) -> str:
    """The text the reference embeds for one class name."""
    return NAME_MAPPING.get(name, name)


def ngram_embedding(names: Sequence[str], dim: int = 768) -> np.ndarray:
    """Deterministic hashed character n-gram vectors (the fallback).

    Args:
        names (Sequence[str]): Class names.
        dim (int): E. Defaults to 768.

    Returns:
        np.ndarray: float64 (C, E), each row of norm sqrt(E).
    """
    out = np.zeros((len(names), dim), dtype=np.float64)
    for row, name in enumerate(names):
        text = f'<{reference_text(name).lower()}>'
        for size in NGRAM_SIZES:
            for start in range(len(text) - size + 1):
                gram = text[start:start + size].encode('utf-8')
                digest = hashlib.blake2b(gram, digest_size=8).digest()
                value = int.from_bytes(digest, 'little')
                sign = 1.0 if value & 1 else -1.0
                out[row, (value >> 1) % dim] += sign
        norm = np.linalg.norm(out[row])
        if norm == 0:
            raise ValueError(f'class name {name!r} gives an empty n-gram '
                             'embedding')
        out[row] *= np.sqrt(dim) / norm
    return out


def bert_embedding(names: Sequence[str], model_path: str) -> np.ndarray:
    """The reference's BERT label vectors (see the module docstring).

    Args:
        names (Sequence[str]): Class names.
        model_path (str): Local folder with a BERT model and its tokenizer
            (``save_pretrained`` layout).

    Returns:
        np.ndarray: float64 (C, hidden size).
    """
    if not osp.isdir(model_path):
        raise FileNotFoundError(
            f'BERT model folder {model_path} not found; expected a local '
            'folder saved with save_pretrained (config.json, weights, '
            'vocab.txt). Nothing is downloaded; use --method ngram without '
            'a language model.')
    # Never reach a hub, whatever the caller's environment says.
    os.environ['HF_HUB_OFFLINE'] = '1'
    os.environ['TRANSFORMERS_OFFLINE'] = '1'
    try:
        import torch
        from transformers import AutoTokenizer, BertModel
    except ImportError as err:
        raise ImportError(
            'the bert method needs transformers (pip install transformers); '
            f'use --method ngram without it ({err})') from err
    tokenizer = AutoTokenizer.from_pretrained(
        model_path, local_files_only=True)
    model = BertModel.from_pretrained(model_path, local_files_only=True)
    model.eval()
    vectors = []
    with torch.no_grad():
        for name in names:
            tokens = tokenizer.tokenize('[CLS] ' + reference_text(name))
            if not tokens or tokens[0] != tokenizer.cls_token:
                raise ValueError(
                    f'{model_path}: the tokenizer did not keep "[CLS]" as '
                    f'its CLS token for {name!r} (got {tokens[:3]}); '
                    'expected a BERT word-piece tokenizer')
            ids = torch.tensor([tokenizer.convert_tokens_to_ids(tokens)])
            hidden = model(
                input_ids=ids,
                attention_mask=torch.ones_like(ids),
                token_type_ids=torch.zeros_like(ids)).last_hidden_state[0]
            vectors.append(hidden[1] if len(tokens) == 2 else hidden[0])
    return torch.stack(vectors).double().numpy()


def parse_args(argv: Optional[Sequence[str]] = None) -> argparse.Namespace:
    """Parse ``argv`` (``sys.argv[1:]`` when None)."""
    parser = argparse.ArgumentParser(
        description='Write SALGL label embeddings (C, E) as .npy.')
    parser.add_argument('out', help='output .npy path')
    source = parser.add_mutually_exclusive_group(required=True)
    source.add_argument(
        '--dataset-config',
        help='config whose train dataset names the classes')
    source.add_argument('--classes', help='text file, one class per line')
    parser.add_argument(
        '--method',
        choices=['bert', 'ngram'],
        default='bert',
        help='bert (the paper, needs --model) or ngram (fallback, results '
        'differ from the paper)')
    parser.add_argument('--model', help='local BERT folder (method bert)')
    parser.add_argument(
        '--dim', type=int, default=768, help='E of the ngram method')
    return parser.parse_args(argv)


def main(argv: Optional[Sequence[str]] = None) -> np.ndarray:
    """Write the embeddings, say what was written; return the (C, E) array."""
    args = parse_args(argv)
    if args.classes:
        names = read_class_file(args.classes)
    else:
        names = classes_from_config(args.dataset_config)
    if args.method == 'bert':
        if not args.model:
            raise ValueError('--method bert needs --model PATH (a local BERT '
                             'folder); or use --method ngram')
        array = bert_embedding(names, args.model)
    else:
        array = ngram_embedding(names, args.dim)
    os.makedirs(osp.dirname(osp.abspath(args.out)), exist_ok=True)
    np.save(args.out, array)
    print(f'{args.out}: {array.shape[0]} classes x {array.shape[1]} dims '
          f'({args.method}), first classes {names[:3]}')
    if args.method == 'ngram':
        print('note: n-gram embeddings carry no word meaning; a model '
              'trained with them is not the paper\'s and its results differ')
    return array


if __name__ == '__main__':
    main()
