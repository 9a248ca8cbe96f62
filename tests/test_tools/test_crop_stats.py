"""tools/analysis_tools/crop_stats.py: spec 7.3 statistics."""
import importlib.util
import os.path as osp

import mmmlc  # noqa: F401

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
SPEC = importlib.util.spec_from_file_location(
    'crop_stats_tool', osp.join(REPO, 'tools', 'analysis_tools',
                                'crop_stats.py'))
tool = importlib.util.module_from_spec(SPEC)
SPEC.loader.exec_module(tool)


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
        # Spec 3.4: about half of the dilated crops of uniform boxes leave
        # the image (black padding) in the reference; never in clean mode.
        assert 0.4 < float(faithful['Cd padded: fraction']) < 0.6
        assert clean['Cd padded: fraction'] == '0.000'
        # Spec 4.2 / T1: Cd smaller than C0 for ~10 % (OpenImages sizes).
        assert float(faithful['area(Cd) < area(C0)']) > 0.05
        assert clean['area(Cd) < area(C0)'] == '0.000'
        assert clean['Cd does not contain C0'] == '0.000'
        assert faithful['smallest crop side'] == '224'
        assert int(clean['smallest crop side']) >= 224
        assert 0.5 < float(faithful['T_obj RRC hits GT']) <= 1.0
