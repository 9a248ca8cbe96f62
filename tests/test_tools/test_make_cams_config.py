"""tools/oass/make_cams.py: the test run it makes of a training config."""
import pytest
from mmengine.config import Config

import mmmlc  # noqa: F401
from mmmlc.apis.test_options import use_checkpoint

@pytest.fixture
def tool(load_tool):
    return load_tool('tools/oass/make_cams.py')


@pytest.fixture
def config(tool, oass_digitscenes_config):
    """``config(*argv)``: the test config make_cams makes with ``argv``."""

    def make(*argv):
        args = tool.parse_args([oass_digitscenes_config, 'x.pth',
                                '--out-dir', 'cams', *argv])
        return tool.cams_config(Config.fromfile(oass_digitscenes_config),
                                args)

    return make


def test_train_split_uses_labels_and_the_unresized_test_pipeline(config):
    cfg = config('--split', 'train', '--num-images', '5')
    dataset = cfg.test_dataloader['dataset']
    assert dataset.split == 'train' and dataset.test_mode
    assert dataset.indices == 5
    # the test pipeline without its Resize(64): images at 128 x 128
    assert [t['type'] for t in dataset.pipeline] == ['LoadImageFromFile',
                                                     'PackInputs']
    assert cfg.test_dataloader['sampler'] == dict(type='DefaultSampler',
                                                  shuffle=False)
    assert cfg.model.multiscale_cam == dict(
        scales=[0.5, 1.0, 1.5, 2.0], flip=True, cam_classes='labels')
    assert cfg.test_evaluator == [dict(type='DumpCAMs', out_dir='cams')]


def test_test_split_predicts_k_and_options_override(config):
    cfg = config('--scales', '1', '2', '--no-flip', '--batch-size', '4')
    assert cfg.test_dataloader['dataset'].split == 'test'
    assert cfg.test_dataloader['batch_size'] == 4
    assert cfg.model.multiscale_cam == dict(
        scales=[1.0, 2.0], flip=False, cam_classes='predicted')
    cfg = config('--split', 'val', '--cam-classes', 'labels')
    assert cfg.model.multiscale_cam['cam_classes'] == 'labels'


def test_non_oass_model_and_missing_checkpoint_are_refused(
        tmp_path, tool, oass_digitscenes_config):
    cfg = Config.fromfile(oass_digitscenes_config)
    cfg.model.type = 'ImageClassifier'
    args = tool.parse_args([oass_digitscenes_config, 'x.pth', '--out-dir',
                            'cams'])
    with pytest.raises(ValueError, match='OASSClassifier'):
        tool.cams_config(cfg, args)
    with pytest.raises(FileNotFoundError, match=r'missing\.pth not found'):
        use_checkpoint(cfg, str(tmp_path / 'missing.pth'))
