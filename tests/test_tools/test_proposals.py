"""tools/proposals/selective_search.py: file writing, resume, workers."""
import os.path as osp
import sys

import cv2
import numpy as np
import pytest

import mmmlc  # noqa: F401
from mmmlc.datasets.transforms import LoadProposals, load_proposals

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
# The tool is a script: imported from its folder under an importable name,
# so that worker processes can unpickle its classes.
sys.path.insert(0, osp.join(REPO, 'tools', 'proposals'))
import selective_search as tool  # noqa: E402

SIZES = [(40, 30), (50, 20), (64, 64), (33, 47), (20, 20), (80, 60)]


def stub_propose(img):
    """Boxes from the image size: a half box, the whole image, a 1-px box."""
    h, w = img.shape[:2]
    boxes = np.array([[1, 1, w / 2, h / 2], [0, 0, w, h], [2, 2, 3, 3]])
    return boxes, np.array([0.5, 0.9, 0.1])


def failing_propose(img):
    if img.shape[:2] == (60, 80):
        raise RuntimeError('boom')
    return stub_propose(img)


@pytest.fixture
def images(tmp_path):
    folder = tmp_path / 'imgs'
    folder.mkdir()
    paths = []
    for i, (w, h) in enumerate(SIZES):
        path = str(folder / f'im{i}.png')
        cv2.imwrite(path, np.full((h, w, 3), 10 * i, np.uint8))
        paths.append(path)
    return paths


def _proposer(propose=stub_propose, max_side=0):
    return tool.ImageProposer(propose, top_k=2, max_side=max_side,
                              min_box_size=2)


@pytest.mark.parametrize('ext,workers', [('json', 1), ('npz', 2)])
def test_writes_the_documented_format(images, tmp_path, ext, workers):
    out = str(tmp_path / f'p.{ext}')
    tool.run(images, out, _proposer(), workers=workers, generator='stub')
    table = load_proposals(out)
    assert sorted(table.keys) == [f'im{i}.png' for i in range(6)]
    assert table.meta['complete'] is True and table.meta['generator'] == 'stub'
    for i, (w, h) in enumerate(SIZES):
        boxes, scores, size = table.get(f'im{i}.png')
        # The 1-px box is dropped (min_box_size 2); best score first;
        # top_k keeps 2.
        assert boxes.tolist() == [[0, 0, w, h], [1, 1, w / 2, h / 2]]
        assert scores.tolist() == pytest.approx([0.9, 0.5])
        assert size == (w, h)
    sample = dict(img=np.zeros((30, 40, 3), np.uint8),
                  img_path=images[0])
    out_sample = LoadProposals(out)(sample)
    assert out_sample['proposals'].tolist() == [[0, 0, 40, 30],
                                                [1, 1, 20, 15]]


def test_resume_skips_done_images(images, tmp_path):
    out = str(tmp_path / 'p.json')
    tool.run(images[:3], out, _proposer())
    with pytest.raises(FileExistsError, match='--resume'):
        tool.run(images, out, _proposer())
    calls = []

    def counting(img):
        calls.append(img.shape)
        return stub_propose(img)

    entries = tool.run(images, out, _proposer(counting), resume=True)
    assert len(calls) == 3 and len(entries) == 6
    assert len(load_proposals(out)) == 6


def test_partial_results_are_saved_periodically(images, tmp_path):
    out = str(tmp_path / 'p.json')
    with pytest.raises(RuntimeError, match='boom'):
        tool.run(images, out, _proposer(failing_propose), save_every=2)
    table = load_proposals(out)
    assert table.meta['complete'] is False and len(table) == 4
    tool.run(images, out, _proposer(), resume=True)
    assert len(load_proposals(out)) == 6


def test_downscaled_boxes_are_scaled_back(tmp_path):
    path = str(tmp_path / 'big.png')
    cv2.imwrite(path, np.zeros((100, 200, 3), np.uint8))
    seen = []

    def record(img):
        seen.append(img.shape[:2])
        return np.array([[0, 0, 25, 25]]), None

    key, entry = _proposer(record, max_side=50)(path)
    assert key == 'big.png' and seen == [(25, 50)]
    assert entry['boxes'].tolist() == [[0, 0, 100, 100]]
    assert entry['scores'] is None and entry['width'] == 200


def test_list_images(images, tmp_path):
    assert tool.list_images(osp.dirname(images[0])) == sorted(images)
    listing = tmp_path / 'list.txt'
    listing.write_text('imgs/im1.png\n\n' + images[0] + '\n')
    assert tool.list_images(str(listing)) == [
        str(tmp_path / 'imgs' / 'im1.png'), images[0]
    ]
    listing.write_text('imgs/im1.png\nother/im1.png\n')
    with pytest.raises(ValueError, match="base name 'im1.png'"):
        tool.list_images(str(listing))
    with pytest.raises(FileNotFoundError):
        tool.list_images(str(tmp_path / 'nothing'))


def test_missing_contrib_and_bing_models(tmp_path, monkeypatch):
    monkeypatch.delattr(cv2, 'ximgproc', raising=False)
    with pytest.raises(ImportError,
                       match='pip install opencv-contrib-python-headless'):
        tool.require_contrib('ximgproc')
    (tmp_path / 'ObjNessB2W8HSV.idx.yml.gz').write_text('')
    with pytest.raises(FileNotFoundError, match='ObjNessB2W8MAXBGR.idx') as e:
        tool.Bing(str(tmp_path))
    assert 'ObjNessB2W8HSV.idx.yml.gz' not in str(e.value)


@pytest.mark.skipif(
    not hasattr(cv2, 'ximgproc'),
    reason='cv2.ximgproc is absent: the optional extra '
    'opencv-contrib-python-headless is not installed')
def test_real_selective_search(tmp_path):
    folder = tmp_path / 'imgs'
    folder.mkdir()
    img = np.full((96, 128, 3), 200, np.uint8)
    img[20:60, 30:90] = (20, 40, 220)
    cv2.imwrite(str(folder / 'rect.png'), img)
    out = str(tmp_path / 'ss.json')
    tool.main([str(folder), out, '--top-k', '5', '--min-box-size', '4'])
    boxes, scores, size = load_proposals(out).get('rect.png')
    assert size == (128, 96) and scores is None and 1 <= len(boxes) <= 5
    assert (boxes[:, :2] >= 0).all() and (boxes[:, 2] <= 128).all()
    assert (boxes[:, 3] <= 96).all()
    ious = [
        min(b[2], 90) - max(b[0], 30) > 30 and min(b[3], 60) - max(b[1], 20)
        > 20 for b in boxes
    ]
    assert any(ious), boxes
