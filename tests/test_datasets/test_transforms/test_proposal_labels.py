"""Proposals files with per-box class labels (OASS CAM boxes)."""
import json

import numpy as np
import pytest

from mmmlc.datasets.transforms import (LoadProposals, SelectObjectBox,
                                       load_proposals, save_proposals)

CLASSES = ['cat', 'dog', 'person']
ENTRIES = {
    'a.jpg': dict(boxes=np.array([[1, 2, 30, 40], [10, 10, 20, 20],
                                  [0, 0, 64, 48]]),
                  scores=np.array([0.2, 0.9, 0.5]), labels=np.array([2, 0, 0]),
                  width=64, height=48),
    'b.jpg': dict(boxes=np.zeros((0, 4)), scores=np.zeros(0),
                  labels=np.zeros(0, np.int64), width=64, height=48),
}


def _sample(name, width=64, height=48):
    return dict(img=np.zeros((height, width, 3), np.uint8),
                img_path=f'/data/JPEGImages/{name}', img_id=name[:-4])


@pytest.mark.parametrize('ext', ['json', 'npz'])
def test_labelled_round_trip(tmp_path, ext):
    path = str(tmp_path / f'p.{ext}')
    save_proposals(path, ENTRIES, generator='cam boxes', classes=CLASSES)
    table = load_proposals(path)
    assert table.classes == tuple(CLASSES)
    assert table.get_labels('a.jpg').tolist() == [2, 0, 0]
    assert table.get_labels('a.jpg').dtype == np.int64
    assert table.get_labels('b.jpg').tolist() == []
    boxes, scores, size = table.get('a.jpg')  # the 3-tuple is unchanged
    assert boxes.tolist()[0] == [1, 2, 30, 40] and size == (64, 48)
    # best score first: labels move with their boxes, then top_k
    out = LoadProposals(path, top_k=2, classes=CLASSES)(_sample('a.jpg'))
    assert out['proposals'].tolist() == [[10, 10, 20, 20], [0, 0, 64, 48]]
    assert out['proposal_scores'].tolist() == pytest.approx([0.9, 0.5])
    assert out['proposal_labels'].tolist() == [0, 0]
    assert out['proposal_labels'].dtype == np.int64
    # the one box path: SelectObjectBox picks one of the labelled boxes
    picked = SelectObjectBox(box_source='proposals')(out)
    assert picked['object_box'].tolist() in out['proposals'].tolist()


@pytest.mark.parametrize('ext', ['json', 'npz'])
def test_file_without_labels_still_loads(tmp_path, ext):
    path = str(tmp_path / f'p.{ext}')
    entries = {k: {f: v for f, v in e.items() if f != 'labels'}
               for k, e in ENTRIES.items()}
    save_proposals(path, entries)
    table = load_proposals(path)
    assert table.labels is None and table.classes is None
    assert table.get_labels('a.jpg') is None
    out = LoadProposals(path, classes=CLASSES)(_sample('a.jpg'))
    assert out['proposal_labels'] is None and len(out['proposals']) == 3


def test_class_list_mismatch_names_file_and_both_lists(tmp_path):
    path = str(tmp_path / 'p.npz')
    save_proposals(path, ENTRIES, classes=CLASSES)
    with pytest.raises(ValueError, match='classes') as err:
        LoadProposals(path, classes=['0', '1', '2'])
    message = str(err.value)
    assert path in message and str(CLASSES) in message
    assert str(['0', '1', '2']) in message


def test_fallback_on_a_labelled_file_gives_empty_labels(tmp_path):
    path = str(tmp_path / 'p.json')
    save_proposals(path, ENTRIES, classes=CLASSES)
    out = LoadProposals(path, on_missing='fallback')(_sample('zzz.jpg'))
    assert out['proposal_labels'].tolist() == []
    assert out['proposal_labels'].dtype == np.int64


def _json(tmp_path, images, **header):
    path = tmp_path / 'bad.json'
    path.write_text(json.dumps(dict(format='mmmlc-proposals', images=images,
                                    **header)))
    return str(path)


@pytest.mark.parametrize('labels,message', [
    ([0, 1], '2 labels for 1 boxes'),
    ([1.5], 'not class indices'),
    ([-1], 'not class indices'),
])
def test_bad_json_labels_name_image_and_file(tmp_path, labels, message):
    path = _json(tmp_path, {'a.jpg': {'boxes': [[1, 1, 5, 5]],
                                      'labels': labels}})
    with pytest.raises(ValueError, match=message) as err:
        LoadProposals(path)(_sample('a.jpg'))
    assert "'a.jpg'" in str(err.value) and path in str(err.value)


def test_labels_outside_the_class_list_are_an_error(tmp_path):
    path = _json(tmp_path, {'a.jpg': {'boxes': [[1, 1, 5, 5]],
                                      'labels': [3]}}, classes=CLASSES)
    with pytest.raises(ValueError, match=r'\[3, 3\].*3 classes') as err:
        load_proposals(path)
    assert path in str(err.value)
    path = _json(tmp_path, {}, classes='cat')
    with pytest.raises(ValueError, match='list of class names'):
        load_proposals(path)


def test_bad_npz_labels_and_truncated_npz(tmp_path):
    path = str(tmp_path / 'p.npz')
    save_proposals(path, ENTRIES, classes=CLASSES)
    with np.load(path) as npz:
        arrays = dict(npz)
    bad = str(tmp_path / 'bad.npz')
    np.savez(bad, **dict(arrays, labels=arrays['labels'].astype(np.float32)))
    with pytest.raises(ValueError, match=r'labels are float32') as err:
        load_proposals(bad)
    assert bad in str(err.value)
    data = open(path, 'rb').read()
    for cut in (len(data) // 2, len(data) - 30):
        trunc = str(tmp_path / f'trunc{cut}.npz')
        with open(trunc, 'wb') as f:
            f.write(data[:cut])
        with pytest.raises(ValueError, match='truncated or corrupt') as err:
            load_proposals(trunc)
        assert trunc in str(err.value)
