"""Tests of tools/model_converters/torchvision_resnet_to_mmpretrain.py."""
import os.path as osp

import pytest
import torch
import torchvision

import mmmlc  # noqa: F401  (compat setup before mmpretrain models)
from mmpretrain.models.backbones import ResNet

from mmmlc.testing import load_script

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))


tool = load_script(
    osp.join(REPO, 'tools', 'model_converters',
             'torchvision_resnet_to_mmpretrain.py'))


def _random_resnet18() -> torch.nn.Module:
    """torchvision resnet18, random weights and non-trivial BN statistics.

    Random running stats make eval-mode BN more than an identity, so a
    misplaced tensor changes the features.
    """
    torch.manual_seed(0)
    model = torchvision.models.resnet18(weights=None)
    for module in model.modules():
        if isinstance(module, torch.nn.BatchNorm2d):
            module.running_mean.uniform_(-0.5, 0.5)
            module.running_var.uniform_(0.5, 2.0)
            module.weight.data.uniform_(0.5, 1.5)
            module.bias.data.uniform_(-0.2, 0.2)
    return model.eval()


def _torchvision_features(model, x):
    x = model.maxpool(model.relu(model.bn1(model.conv1(x))))
    x = model.layer4(model.layer3(model.layer2(model.layer1(x))))
    return x, torch.flatten(model.avgpool(x), 1)


def test_converted_resnet18_loads_via_pretrained_and_matches(tmp_path):
    tv_model = _random_resnet18()
    src, dst = str(tmp_path / 'r18_tv.pth'), str(tmp_path / 'out/r18_mm.pth')
    torch.save(tv_model.state_dict(), src)
    tool.main([src, dst])

    ckpt = torch.load(dst, map_location='cpu', weights_only=True)
    keys = set(ckpt['state_dict'])
    assert keys == {f'backbone.{k}'
                    for k in tv_model.state_dict() if not k.startswith('fc.')}
    assert ckpt['meta']['depth'] == 18
    assert ckpt['meta']['keep_fc'] is False

    mm_model = ResNet(
        depth=18,
        out_indices=(3, ),
        init_cfg=dict(type='Pretrained', checkpoint=dst, prefix='backbone.'))
    mm_model.init_weights()
    mm_model.eval()
    x = torch.randn(2, 3, 64, 64)
    with torch.no_grad():
        (mm_feat, ) = mm_model(x)
        tv_feat, tv_pooled = _torchvision_features(tv_model, x)
    torch.testing.assert_close(mm_feat, tv_feat, rtol=0, atol=1e-6)
    torch.testing.assert_close(
        mm_feat.mean(dim=(2, 3)), tv_pooled, rtol=0, atol=1e-6)
    assert tv_feat.abs().max() > 0.1  # not a degenerate all-zero map


@pytest.mark.parametrize('wrap', ['state_dict', 'model', 'module.'])
def test_wrapped_sources_unwrap(tmp_path, wrap):
    sd = _random_resnet18().state_dict()
    if wrap == 'module.':
        payload = {f'module.{k}': v for k, v in sd.items()}
    else:
        payload = {wrap: sd, 'epoch': torch.tensor(3)}
    src, dst = str(tmp_path / 'src.pth'), str(tmp_path / 'dst.pth')
    torch.save(payload, src)
    tool.main([src, dst, '--keep-fc'])
    out = torch.load(dst, weights_only=True)['state_dict']
    assert torch.equal(out['backbone.layer3.1.bn2.running_var'],
                       sd['layer3.1.bn2.running_var'])
    assert torch.equal(out['head.fc.weight'], sd['fc.weight'])
    assert torch.equal(out['head.fc.bias'], sd['fc.bias'])


def test_fc_dropped_by_default_and_said(tmp_path, capsys):
    src, dst = str(tmp_path / 'src.pth'), str(tmp_path / 'dst.pth')
    torch.save(_random_resnet18().state_dict(), src)
    tool.main([src, dst])
    assert "dropped ['fc.weight', 'fc.bias']" in capsys.readouterr().out
    out = torch.load(dst, weights_only=True)
    assert not any(k.startswith('head.') for k in out['state_dict'])
    tool.main([src, dst, '--keep-fc'])
    assert torch.load(dst, weights_only=True)['meta']['num_classes'] == 1000


def test_unknown_keys_are_listed(tmp_path):
    sd = _random_resnet18().state_dict()
    sd['conv1.0.weight'] = torch.zeros(1)  # a deep-stem (ResNet-D) key
    sd['attnpool.proj'] = torch.zeros(1)
    src = str(tmp_path / 'odd.pth')
    torch.save(sd, src)
    with pytest.raises(ValueError) as err:
        tool.main([src, str(tmp_path / 'dst.pth')])
    message = str(err.value)
    assert 'odd.pth' in message
    assert "['conv1.0.weight', 'attnpool.proj']" in message
    assert not osp.exists(tmp_path / 'dst.pth')


def test_pickled_module_is_refused(tmp_path):
    src = str(tmp_path / 'module.pth')
    torch.save(torch.nn.Linear(2, 2), src)
    with pytest.raises(ValueError, match='module.pth.*weights_only=True'):
        tool.main([src, str(tmp_path / 'dst.pth')])


def test_missing_source_names_it(tmp_path):
    with pytest.raises(FileNotFoundError, match='nope.pth'):
        tool.main([str(tmp_path / 'nope.pth'), str(tmp_path / 'dst.pth')])


def test_infer_depth():
    r50 = torchvision.models.resnet50(weights=None).state_dict()
    assert tool.infer_depth(r50) == 50
    r34 = torchvision.models.resnet34(weights=None).state_dict()
    assert tool.infer_depth(r34) == 34
    r34 = {k: v for k, v in r34.items() if not k.startswith('layer4.2.')}
    assert tool.infer_depth(r34) is None
