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


def test_test_instances_crop_the_cam_boxes(monkeypatch):
    """A box of the instance size is cut out exactly (roi_align,
    aligned=True, adaptive sampling); the class set K reaches cam_boxes."""
    import mmmlc.models.utils.cam_boxes as cam_boxes_module
    seen = {}

    def fake_cam_boxes(cams, keep, **kwargs):
        seen.update(cams=cams, keep=keep)
        b, c = keep.shape
        boxes = torch.zeros(b, c, 2, 4)
        valid = torch.zeros(b, c, 2, dtype=torch.bool)
        boxes[0, 1, 0] = torch.tensor([8., 4., 24., 20.])
        boxes[1, 3, 1] = torch.tensor([0., 0., 32., 32.])
        valid[0, 1, 0] = valid[1, 3, 1] = True
        return boxes, torch.zeros(b, c, 2), valid

    monkeypatch.setattr(cam_boxes_module, 'cam_boxes', fake_cam_boxes)
    model = build(instance_size=16).eval()
    inputs = torch.randn(2, 3, 32, 32)
    with torch.no_grad():
        maps = model.head.class_maps(model.extract_feat(inputs))
        logits = maps.mean((2, 3))
        crops, bag, labels, boxes = model.test_instances(inputs, maps, logits)
    assert seen['cams'].shape == (2, C, 32, 32)
    keep = (logits.sigmoid() >= 0.5)
    keep[torch.arange(2), logits.argmax(1)] = True
    assert torch.equal(seen['keep'], keep)
    assert bag.tolist() == [0, 1] and labels.tolist() == [1, 3]
    assert torch.equal(crops[0], inputs[0, :, 4:20, 8:24])
    # the whole 32-px image averaged 2 x 2 into 16 px
    assert torch.allclose(
        crops[1], torch.nn.functional.avg_pool2d(inputs[1:2], 2)[0],
        atol=1e-6)


@pytest.mark.parametrize('fusion', ['max', 'mean'])
def test_fused_prediction(fusion):
    torch.manual_seed(0)
    model = build(fusion=fusion, instance_size=16).eval()
    inputs = torch.randn(2, 3, 64, 64)
    with torch.no_grad():
        samples = model.predict(inputs)
        logits = model(inputs, mode='tensor')
        maps = model.head.class_maps(model.extract_feat(inputs))
        crops, bag, labels, _ = model.test_instances(inputs, maps, logits)
        inst = model(crops, mode='tensor').sigmoid()
    keep = (logits.sigmoid() >= 0.5)
    keep[torch.arange(2), logits.argmax(1)] = True
    for j, sample in enumerate(samples):
        own = bag == j
        assert set(sample.csi_labels.tolist()) <= set(
            torch.where(keep[j])[0].tolist())
        # the top class always has a box (whole-image fallback)
        assert logits[j].argmax().item() in sample.csi_labels.tolist()
        assert len(sample.csi_boxes) == int(own.sum())
        image = logits[j].sigmoid()
        for k in range(C):
            if fusion == 'max':
                ref = torch.cat([image[k:k + 1], inst[own, k]]).max()
            else:
                mine = own & (labels == k)
                ref = torch.cat([image[k:k + 1], inst[mine, k]]).mean()
            assert sample.pred_score[k].item() == pytest.approx(
                ref.item(), abs=1e-5)
