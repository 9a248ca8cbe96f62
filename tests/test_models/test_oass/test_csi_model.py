"""CSIMILClassifier and CSIDataPreprocessor: the loss wiring, the stage-1
initialisation, the instance normalisation, global fusion."""
import pytest
import torch
from mmengine.registry import init_default_scope
from mmpretrain.structures import DataSample

import mmmlc  # noqa: F401  (compatibility set-up, registries)
from mmmlc.models.utils.csi_mil import csi_losses
from mmmlc.registry import MODELS

C = 5
BACKBONE = dict(type='ResNet', depth=18, strides=(1, 2, 2, 1),
                base_channels=8, stem_channels=8, out_indices=(3, ))


def build(**kwargs):
    init_default_scope('mmmlc')
    cfg = dict(
        type='CSIMILClassifier',
        backbone=BACKBONE,
        head=dict(type='CAMHead', num_classes=C, in_channels=64),
        data_preprocessor=dict(num_classes=C, to_onehot=True,
                               mean=[100.] * 3, std=[50.] * 3, to_rgb=True))
    cfg.update(kwargs)
    return MODELS.build(cfg)


def collated(seed=0):
    gen = torch.Generator().manual_seed(seed)
    images = torch.randint(0, 256, (2, 3, 32, 32), generator=gen,
                           dtype=torch.uint8)
    instances = torch.randint(0, 256, (3, 3, 16, 16), generator=gen,
                              dtype=torch.uint8)
    samples = [DataSample().set_gt_label([0, 2]),
               DataSample().set_gt_label([4])]
    return dict(inputs=images, data_samples=samples, instances=instances,
                bag_index=torch.tensor([0, 0, 1]),
                instance_labels=torch.tensor([2, 0, 4]),
                instance_scores=torch.tensor([0.9, 0.5, 0.7]))


def test_preprocessor_normalises_instances_as_images():
    model = build()
    data = collated()
    data['instances'] = data['inputs'].clone()
    out = model.data_preprocessor(data, True)
    assert torch.equal(out['instances'], out['inputs'])
    # BGR -> RGB, then (x - 100) / 50
    expected = (data['inputs'].flip(1).float() - 100) / 50
    assert torch.allclose(out['inputs'], expected)
    assert out['bag_index'].tolist() == [0, 0, 1]
    assert 'instance_scores' not in out
    assert out['data_samples'][0].gt_score.tolist() == [1, 0, 1, 0, 0]
    evaluation = model.data_preprocessor(
        dict(inputs=data['inputs'], data_samples=data['data_samples']))
    assert set(evaluation) == {'inputs', 'data_samples'}
    partial = dict(collated(), instances=None)
    del partial['bag_index']
    with pytest.raises(KeyError, match='csi_collate'):
        model.data_preprocessor(partial, True)


def test_loss_wiring_and_weights():
    torch.manual_seed(0)
    model = build(inst_weight=0.5, mil_weight=2.0)
    model.eval()  # fixed BN statistics: the two computations agree
    data = model.data_preprocessor(collated(), True)
    losses = model(**data, mode='loss')
    labels = torch.stack([s.gt_score for s in data['data_samples']])
    image = model.head(model.extract_feat(data['inputs']))
    inst = model.head(model.extract_feat(data['instances']))
    ref = csi_losses(image, inst, labels, data['bag_index'],
                     data['instance_labels'])
    assert losses['loss_img'].item() == pytest.approx(
        ref['loss_img'].item(), rel=1e-5)
    assert losses['loss_inst'].item() == pytest.approx(
        0.5 * ref['loss_inst'].item(), rel=1e-5)
    assert losses['loss_mil'].item() == pytest.approx(
        2.0 * ref['loss_mil'].item(), rel=1e-5)
    model.train()
    loss, _ = model.parse_losses(model(**data, mode='loss'))
    loss.backward()
    grads = [p.grad for p in model.parameters() if p.requires_grad]
    assert all(g is not None and torch.isfinite(g).all() for g in grads)
    with pytest.raises(ValueError, match='csi_collate'):
        model(data['inputs'], data['data_samples'], mode='loss')


def test_batch_without_instances_trains():
    model = build()
    data = collated()
    data.update(instances=torch.zeros(0, 3, 1, 1, dtype=torch.uint8),
                bag_index=torch.zeros(0, dtype=torch.long),
                instance_labels=torch.zeros(0, dtype=torch.long))
    data = model.data_preprocessor(data, True)
    losses = model(**data, mode='loss')
    assert losses['loss_inst'].item() == 0.0
    assert torch.isfinite(losses['loss_mil'])


def test_init_from_stage1_checkpoint(tmp_path):
    init_default_scope('mmmlc')
    stage1 = MODELS.build(
        dict(type='OASSClassifier', backbone=BACKBONE,
             head=dict(type='CAMHead', num_classes=C, in_channels=64),
             data_preprocessor=dict(type='ClsDataPreprocessor',
                                    num_classes=C, to_onehot=True)))
    path = tmp_path / 'stage1.pth'
    torch.save(dict(state_dict=stage1.state_dict()), path)
    model = build(init_cfg=dict(type='Pretrained', checkpoint=str(path)))
    model.init_weights()
    for name, value in stage1.state_dict().items():
        assert torch.equal(model.state_dict()[name], value), name

    missing = build(init_cfg=dict(type='Pretrained',
                                  checkpoint=str(tmp_path / 'none.pth')))
    with pytest.raises(FileNotFoundError, match='none.pth'):
        missing.init_weights()


def test_global_fusion_predicts_image_scores():
    model = build(fusion='global').eval()
    data = model.data_preprocessor(collated())
    with torch.no_grad():
        samples = model(data['inputs'], data['data_samples'], mode='predict')
        logits = model(data['inputs'], mode='tensor')
    scores = torch.stack([s.pred_score for s in samples])
    assert torch.allclose(scores, logits.sigmoid())
    for sample, score in zip(samples, scores):
        assert sample.pred_label.tolist() == torch.where(
            score >= 0.5)[0].tolist()


def test_rejects_bad_options():
    with pytest.raises(ValueError, match='fusion'):
        build(fusion='vote')
    with pytest.raises(TypeError, match='class_maps'):
        build(head=dict(type='MultiLabelLinearClsHead', num_classes=C,
                        in_channels=64))
