"""tools/analysis_tools/crop_stats.py: the object-crop statistics."""
import os.path as osp

from mmmlc.testing import load_script

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
tool = load_script(osp.join(REPO, 'tools', 'analysis_tools', 'crop_stats.py'))


def _tables(text):
    """{family: {statistic: (faithful, clean)}} from the printed tables."""
    tables, family = {}, None
    for line in text.splitlines():
        cells = [c.strip() for c in line.strip('|').split('|')]
        if len(cells) != 3 or cells[0].startswith('---'):
            continue
        if cells[1:] == ['faithful', 'clean']:
            family = cells[0]
            tables[family] = {}
        elif family:
            tables[family][cells[0]] = (cells[1], cells[2])
    return tables


def test_faithful_vs_clean(capsys):
    tool.main(['--num', '2000'])
    tables = _tables(capsys.readouterr().out)
    assert set(tables) == {'openimages', 'coco'}
    for stats in tables.values():
        faithful = {k: v[0] for k, v in stats.items()}
        clean = {k: v[1] for k, v in stats.items()}
        # About half of the dilated crops of uniform boxes leave the image
        # (black padding) in the reference; never in clean mode.
        assert 0.4 < float(faithful['Cd padded: fraction']) < 0.6
        assert clean['Cd padded: fraction'] == '0.000'
        # The reference's dilated crop is smaller than its object crop for
        # ~10 % of boxes (OpenImages sizes); docs/reference/
        # object_aware_cropping.md lists this quirk.
        assert float(faithful['area(Cd) < area(C0)']) > 0.05
        assert clean['area(Cd) < area(C0)'] == '0.000'
        assert clean['Cd does not contain C0'] == '0.000'
        assert faithful['smallest crop side'] == '224'
        assert int(clean['smallest crop side']) >= 224
        assert 0.5 < float(faithful['T_obj RRC hits GT']) <= 1.0
