"""The registry contract: every part mmmlc registers builds and runs.

Every name in mmmlc's own ``MODELS`` registry (not mmpretrain's, its
parent) is built from a tiny config through the registry, runs forward on
a tiny input and backward to finite gradients. Every name in mmmlc's
``TRANSFORMS`` registry is built through the registry and runs on a
sample that carries what it reads (boxes, proposals, view boxes).

The tables below hold one case per registered name. A newly registered
name without a case FAILS here: a new part joins the contract with its
tiny build arguments. (A case may wait for a part that a branch not yet
merged registers; remove the case of a part that is removed.)
"""
import math

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from mmengine.registry import init_default_scope
from mmpretrain.structures import DataSample

import mmmlc  # noqa: F401  (compatibility set-up, registries)
import mmmlc.datasets  # noqa: F401  (registers the transforms)
import mmmlc.models  # noqa: F401  (registers the model parts)
from mmmlc.datasets.transforms import save_proposals
from mmmlc.registry import MODELS, TRANSFORMS

HERE = 'tests/test_contract/test_registry_contract.py'
NUM_CLASSES, BATCH = 5, 2
LABELS = [[0, 1], [2, 4]]
# A narrow ResNet-18 (64 output channels): mmpretrain's, fast on a CPU.
TINY_RESNET = dict(type='ResNet', depth=18, stem_channels=8, base_channels=8,
                   out_indices=(3, ), zero_init_residual=False)


def _build(cfg):
    init_default_scope('mmmlc')
    return MODELS.build(cfg)


def _targets():
    target = torch.zeros(BATCH, NUM_CLASSES)
    for row, labels in enumerate(LABELS):
        target[row, labels] = 1
    return target


def _samples():
    return [DataSample().set_gt_label(labels) for labels in LABELS]


def _leaf(*shape):
    return torch.randn(*shape).requires_grad_()


def _model_loss(model, inputs):
    """The summed losses of ``mode='loss'`` after the model's own
    data preprocessor (what ``train_step`` differentiates)."""
    data = model.data_preprocessor(
        dict(inputs=inputs, data_samples=_samples()), True)
    losses = model(**data, mode='loss')
    loss, _ = model.parse_losses(losses)
    return loss


# ------------------------------------------------------------ model parts
# Each case builds its part through MODELS and returns
# (module, scalar to differentiate, input leaves that need a gradient).
def _scene_label_graph_neck():
    neck = _build(
        dict(type='SceneLabelGraphNeck', in_channels=16,
             num_classes=NUM_CLASSES, num_scenes=3, random_embedding=True,
             embedding_dim=8, attention_dim=16, num_heads=2, ffn_dim=32))
    feats = _leaf(BATCH, 16, 3, 3)
    scene_probs, class_feats = neck((feats, ), _targets())
    assert scene_probs.shape == (BATCH, 3)
    assert class_feats.shape == (BATCH, NUM_CLASSES, 16)
    return neck, class_feats.sum() + scene_probs.pow(2).sum(), [feats]


def _gaelle_neck():
    neck = _build(
        dict(type='GAELLENeck', in_channels=16, hid_channels=8,
             out_channels=8, local_out_channels=6, nmb_groups_heads=4))
    # Two local views of 2 x 2 and three small crops of 1 x 1, crop-major.
    large, small = _leaf(2 * BATCH, 16, 2, 2), _leaf(3 * BATCH, 16, 1, 1)
    z, z_local = neck([large, small], BATCH)
    assert z.shape == (5 * BATCH, 8)
    assert z_local.shape == (2 * BATCH * 2, 6)  # 8 / 4 groups = 2 slots
    return neck, z.sum() + z_local.pow(2).sum(), [large, small]


def _per_class_head(name):
    def case():
        head = _build(
            dict(type=name, num_classes=NUM_CLASSES, in_channels=8))
        feats = _leaf(BATCH, NUM_CLASSES, 8)
        inputs = (feats, )
        if name == 'SceneAwarePerClassHead':
            inputs = (torch.softmax(_leaf(BATCH, 3), -1), feats)
        assert head(inputs).shape == (BATCH, NUM_CLASSES)
        losses = head.loss(inputs, _samples())
        return head, sum(losses.values()), [feats]
    return case


def _masked_multilabel_head():
    head = _build(
        dict(type='MaskedMultiLabelLinearClsHead', num_classes=NUM_CLASSES,
             in_channels=8,
             loss=dict(type='CrossEntropyLoss', use_sigmoid=True)))
    feats = _leaf(BATCH, 8)
    samples = _samples()
    samples[0].set_metainfo(dict(gt_label_difficult=[3]))
    samples[1].set_metainfo(dict(gt_label_difficult=[]))
    return head, head.loss((feats, ), samples)['loss'], [feats]


def _gaelle_head():
    head = _build(
        dict(type='GAELLEHead', feat_dim=16, local_feat_dim=12,
             num_prototypes=30, num_local_prototypes=20, num_crops=(2, 3)))
    # 5 views of BATCH images; 2 local views x BATCH x 4 slots.
    z = F.normalize(_leaf(5 * BATCH, 16), dim=1)
    z_local = F.normalize(_leaf(2 * BATCH * 4, 12), dim=1)
    losses = head.loss(z, z_local, BATCH)
    return head, losses['loss'], []


def _loss(name, **kwargs):
    def case():
        loss = _build(dict(type=name, **kwargs))
        if name == 'ScaledAsymmetricLoss':
            logits = _leaf(BATCH, NUM_CLASSES)
            return loss, loss(logits, _targets()), [logits]
        logits = _leaf(BATCH, 3)
        return loss, loss(torch.softmax(logits, -1)), [logits]
    return case


def _label_aware_classifier():
    model = _build(
        dict(type='LabelAwareClassifier',
             data_preprocessor=dict(num_classes=NUM_CLASSES,
                                    mean=[128.] * 3, std=[64.] * 3),
             backbone=TINY_RESNET,
             neck=dict(type='SceneLabelGraphNeck', in_channels=64,
                       num_classes=NUM_CLASSES, num_scenes=3,
                       random_embedding=True, embedding_dim=8,
                       attention_dim=16, num_heads=2, ffn_dim=32),
             head=dict(type='SceneAwarePerClassHead',
                       num_classes=NUM_CLASSES, in_channels=64)))
    inputs = torch.randint(0, 256, (BATCH, 3, 64, 64), dtype=torch.uint8)
    return model, _model_loss(model, inputs), []


def _mocov2():
    model = _build(
        dict(type='MoCoV2', queue_len=8, feat_dim=16, momentum=0.2,
             backbone=TINY_RESNET,
             neck=dict(type='MoCoV2Neck', in_channels=64, hid_channels=32,
                       out_channels=16, with_avg_pool=True),
             head=dict(type='ContrastiveHead',
                       loss=dict(type='CrossEntropyLoss'),
                       temperature=0.2)))
    views = [torch.randn(BATCH, 3, 32, 32) for _ in range(2)]
    return model, _model_loss(model, views), []


def _gaelle():
    model = _build(
        dict(type='GAELLE',
             backbone=TINY_RESNET,
             neck=dict(type='GAELLENeck', in_channels=64, hid_channels=32,
                       out_channels=16, local_out_channels=12,
                       nmb_groups_heads=4),
             head=dict(type='GAELLEHead', feat_dim=16, local_feat_dim=12,
                       num_prototypes=30, num_local_prototypes=20,
                       num_crops=(2, 3))))
    views = [torch.randn(BATCH, 3, 64, 64) for _ in range(2)]
    views += [torch.randn(BATCH, 3, 32, 32) for _ in range(3)]
    return model, _model_loss(model, views), []


def _multi_view_data_preprocessor():
    pre = _build(
        dict(type='MultiViewDataPreprocessor', mean=[128.] * 3,
             std=[64.] * 3, to_rgb=True))
    views = [torch.randint(0, 256, (BATCH, 3, s, s), dtype=torch.uint8)
             for s in (16, 8)]
    out = pre(dict(inputs=views, data_samples=None), True)['inputs']
    assert [tuple(v.shape) for v in out] == [(BATCH, 3, 16, 16),
                                             (BATCH, 3, 8, 8)]
    assert all(v.dtype == torch.float32 for v in out)
    # Normalising is affine: it passes gradients to float inputs.
    floats = _leaf(BATCH, 3, 8, 8)
    out = pre(dict(inputs=[floats], data_samples=None), True)['inputs']
    return pre, out[0].sum(), [floats]


def _fused_ema():
    torch.manual_seed(0)
    model = torch.nn.Linear(4, 3)
    ema = _build(dict(type='FusedExponentialMovingAverage', model=model,
                      momentum=0.5))
    ema.update_parameters(model)  # the first update copies
    with torch.no_grad():
        model.weight.add_(1.0)
    ema.update_parameters(model)  # halfway to the moved weights
    torch.testing.assert_close(ema.module.weight, model.weight - 0.5)
    x = _leaf(BATCH, 4)
    return ema, ema(x).sum(), [x]


# MulCon (Dao et al., Neurocomputing 2023): label-wise attention -> head
# with a projector and the label-level supervised contrastive loss.
def _label_wise_attention_neck():
    neck = _build(
        dict(type='LabelWiseAttentionNeck', in_channels=16,
             num_classes=NUM_CLASSES, embed_dims=16, num_heads=4))
    feats = _leaf(BATCH, 16, 3, 3)
    (embeddings, ) = neck((feats, ))
    assert embeddings.shape == (BATCH, NUM_CLASSES, 16)
    return neck, embeddings.sum(), [feats]


def _mulcon_head():
    head = _build(
        dict(type='MulConHead', num_classes=NUM_CLASSES, in_channels=16,
             proj_channels=(16, 8),
             contrastive_loss=dict(type='LabelSupConLoss')))
    embeddings = _leaf(BATCH, NUM_CLASSES, 16)
    losses = head.loss((embeddings, ), _samples())
    assert set(losses) == {'loss_cls', 'loss_con'}
    return head, sum(losses.values()), [embeddings]


def _label_supcon_loss():
    loss = _build(dict(type='LabelSupConLoss'))
    # Two views of the two images; class 0 present everywhere.
    embeddings = _leaf(2 * BATCH, NUM_CLASSES, 8)
    targets = torch.cat([_targets(), _targets()])
    targets[:, 0] = 1
    value = loss(F.normalize(embeddings, dim=-1), targets)
    return loss, value, [embeddings]


def _mulcon_classifier():
    model = _build(
        dict(type='MulConClassifier',
             data_preprocessor=dict(type='MultiViewDataPreprocessor',
                                    mean=[128.] * 3, std=[64.] * 3),
             backbone=TINY_RESNET,
             neck=dict(type='LabelWiseAttentionNeck', in_channels=64,
                       num_classes=NUM_CLASSES, embed_dims=16,
                       num_heads=4),
             head=dict(type='MulConHead', num_classes=NUM_CLASSES,
                       in_channels=16, proj_channels=(16, 8),
                       contrastive_loss=dict(type='LabelSupConLoss'))))
    views = [torch.randint(0, 256, (BATCH, 3, 32, 32), dtype=torch.uint8)
             for _ in range(2)]
    return model, _model_loss(model, views), []


# OASS (Xu et al., ICIP 2022): CAM head and the object-aware tiling
# classifier on a stride-16 backbone.
def _cam_head():
    head = _build(dict(type='CAMHead', num_classes=NUM_CLASSES,
                       in_channels=16))
    feats = _leaf(BATCH, 16, 4, 4)
    assert head((feats, )).shape == (BATCH, NUM_CLASSES)
    losses = head.loss((feats, ), _samples())
    return head, sum(losses.values()), [feats]


def _oass_classifier():
    model = _build(
        dict(type='OASSClassifier',
             backbone=dict(TINY_RESNET, strides=(1, 2, 2, 1)),
             head=dict(type='CAMHead', num_classes=NUM_CLASSES,
                       in_channels=64),
             data_preprocessor=dict(type='ClsDataPreprocessor',
                                    num_classes=NUM_CLASSES, to_onehot=True,
                                    mean=[128.] * 3, std=[64.] * 3)))
    inputs = torch.randint(0, 256, (BATCH, 3, 64, 64), dtype=torch.uint8)
    return model, _model_loss(model, inputs), []


# OASS stage 5: the CSI classifier and its preprocessor (images + crops).
def _csi_batch():
    return dict(
        inputs=torch.randint(0, 256, (BATCH, 3, 32, 32), dtype=torch.uint8),
        data_samples=_samples(),
        instances=torch.randint(0, 256, (3, 3, 16, 16), dtype=torch.uint8),
        bag_index=torch.tensor([0, 0, 1]),
        instance_labels=torch.tensor([1, 0, 4]))


def _csi_mil_classifier():
    model = _build(
        dict(type='CSIMILClassifier',
             backbone=dict(TINY_RESNET, strides=(1, 2, 2, 1)),
             head=dict(type='CAMHead', num_classes=NUM_CLASSES,
                       in_channels=64),
             data_preprocessor=dict(num_classes=NUM_CLASSES, to_onehot=True,
                                    mean=[128.] * 3, std=[64.] * 3)))
    data = model.data_preprocessor(_csi_batch(), True)
    losses = model(**data, mode='loss')
    assert set(losses) == {'loss_img', 'loss_inst', 'loss_mil'}
    return model, model.parse_losses(losses)[0], []


def _csi_data_preprocessor():
    pre = _build(dict(type='CSIDataPreprocessor', num_classes=NUM_CLASSES,
                      to_onehot=True, mean=[128.] * 3, std=[64.] * 3))
    batch = _csi_batch()
    batch['instances'] = batch['instances'].float().requires_grad_()
    out = pre(batch, True)
    assert out['instances'].shape == (3, 3, 16, 16)
    assert out['bag_index'].tolist() == [0, 0, 1]
    return pre, out['instances'].pow(2).sum(), [batch['instances']]


MODEL_CASES = {
    'CAMHead': _cam_head,
    'CSIDataPreprocessor': _csi_data_preprocessor,
    'CSIMILClassifier': _csi_mil_classifier,
    'FusedExponentialMovingAverage': _fused_ema,
    'GAELLE': _gaelle,
    'GAELLEHead': _gaelle_head,
    'GAELLENeck': _gaelle_neck,
    'LabelAwareClassifier': _label_aware_classifier,
    'LabelSupConLoss': _label_supcon_loss,
    'LabelWiseAttentionNeck': _label_wise_attention_neck,
    'MaskedMultiLabelLinearClsHead': _masked_multilabel_head,
    'MoCoV2': _mocov2,
    'MulConClassifier': _mulcon_classifier,
    'MulConHead': _mulcon_head,
    'MultiViewDataPreprocessor': _multi_view_data_preprocessor,
    'OASSClassifier': _oass_classifier,
    'PerClassLinearHead': _per_class_head('PerClassLinearHead'),
    'ScaledAsymmetricLoss': _loss('ScaledAsymmetricLoss'),
    'SceneAwarePerClassHead': _per_class_head('SceneAwarePerClassHead'),
    'SceneBalanceLoss': _loss('SceneBalanceLoss'),
    'SceneEntropyLoss': _loss('SceneEntropyLoss'),
    'SceneLabelGraphNeck': _scene_label_graph_neck,
}


def _own(registry):
    """Names registered in mmmlc's registry itself (not in its parent)."""
    registry.import_from_location()
    return sorted(registry.module_dict)


def _case(registry, table, name):
    if name not in table:
        pytest.fail(
            f'{name} is registered in mmmlc.registry.{registry.name.upper()}'
            f' but has no case in {HERE}: add its tiny build arguments '
            'and input to the table so that it joins the contract.')
    return table[name]


@pytest.mark.parametrize('name', _own(MODELS))
def test_model_part_contract(name):
    case = _case(MODELS, MODEL_CASES, name)
    torch.manual_seed(0)
    module, objective, leaves = case()
    assert type(module) is MODELS.get(name)
    assert objective.dim() == 0 and math.isfinite(objective.item()), (
        objective)
    objective.backward()
    grads = [p.grad for p in module.parameters() if p.grad is not None]
    grads += [leaf.grad for leaf in leaves]
    assert all(g is not None for g in grads), 'an input got no gradient'
    assert grads, f'{name}: nothing received a gradient'
    assert all(torch.isfinite(g).all() for g in grads)
    if any(p.requires_grad for p in module.parameters()):
        assert any(g.abs().sum() > 0 for g in grads)


# ------------------------------------------------------------- transforms
IMG_H, IMG_W = 96, 128
BOXES = np.array([[10, 12, 50, 60], [60, 20, 120, 90]], np.float32)


def _sample(tmp_path):
    """One loaded image with everything a box-aware transform reads."""
    rng = np.random.default_rng(0)
    return dict(
        img=rng.integers(0, 256, (IMG_H, IMG_W, 3), dtype=np.uint8),
        img_shape=(IMG_H, IMG_W),
        ori_shape=(IMG_H, IMG_W),
        img_path=str(tmp_path / 'JPEGImages' / 'a.jpg'),
        img_id='a',
        sample_idx=0,
        gt_label=[1, 3],
        gt_bboxes=BOXES.copy(),
        gt_bboxes_labels=np.array([1, 3]),
        proposals=BOXES[::-1].copy(),
        object_box=BOXES[0].copy(),
        object_fallback=False,
        view_boxes=np.array([[0, 0, 32, 32], [8, 8, 40, 40]], np.float32))


def _proposals_file(tmp_path):
    path = str(tmp_path / 'proposals.json')
    save_proposals(path, {
        'a.jpg': dict(boxes=BOXES, scores=np.array([0.9, 0.5]),
                      width=IMG_W, height=IMG_H)
    }, generator='contract test')
    return path


def _two_views(sample):
    sample['img'] = [sample['img'], sample['img'][:, ::-1].copy()]
    return sample


def _write_jpeg(sample):
    import os
    import cv2
    os.makedirs(os.path.dirname(sample['img_path']), exist_ok=True)
    assert cv2.imwrite(sample['img_path'], sample['img'])
    return dict(img_path=sample['img_path'])


def _check_loaded(results):
    _check_image(results)
    assert results['img'].shape[:2] == (IMG_H, IMG_W)
    assert results['ori_shape'] == (IMG_H, IMG_W)


def _check_image(results):
    img = results['img']
    assert isinstance(img, np.ndarray) and img.dtype == np.uint8
    assert img.ndim == 3 and img.shape[2] == 3 and min(img.shape[:2]) > 0


def _check_best_proposal(results):
    assert results['proposals'].tolist() == [BOXES[0].tolist()]


def _check_view_boxes(results):
    assert results['view_boxes'].shape == (2, 4)


def _check_swapped(results):
    assert results['views_swapped']


def _check_object_box(results):
    assert results['object_box'].shape == (4, )
    assert not results['object_fallback']


# name -> (build arguments, sample -> sample or None, check of the results)
TRANSFORM_CASES = {
    'BoxAwareRandomResizedCrop': (
        dict(scale=32, box_key='gt_bboxes'), None, _check_image),
    'ColorJitterFixedHue': (
        dict(brightness=0.4, contrast=0.4, saturation=0.4, hue=0.1), None,
        _check_image),
    'FastAutoContrast': (dict(prob=1.0), None, _check_image),
    'FastColorJitter': (
        dict(brightness=0.4, contrast=0.4, saturation=0.4, hue=0.1), None,
        _check_image),
    'FastContrast': (
        dict(magnitude_range=(0, 0.9), prob=1.0), None, _check_image),
    'FastEqualize': (dict(prob=1.0), None, _check_image),
    'FastGaussianBlur': (
        dict(magnitude_range=(0.1, 2.0), prob=1.0), None, _check_image),
    'FastRandomGrayscale': (
        dict(prob=1.0, keep_channels=True), None, _check_image),
    'FastRandomResizedCrop': (
        dict(scale=32, box_key='gt_bboxes'), None, _check_image),
    'FastSolarize': (
        dict(magnitude_range=(256, 0), prob=1.0), None, _check_image),
    'LoadImageFast': (dict(), _write_jpeg, _check_loaded),
    'LoadImageFromFile': (dict(), _write_jpeg, _check_loaded),
    'LoadProposals': (dict(top_k=1), None, _check_best_proposal),
    'ObjectCrop': (
        dict(dilation=0.2, min_size=16, expand=8), None, _check_image),
    'RandomSeparatedCrops': (
        dict(radius=8, crop_size=32), None, _check_view_boxes),
    'RandomViewSwap': (dict(prob=1.0), _two_views, _check_swapped),
    'SceneCrop': (dict(), None, _check_image),
    'SelectObjectBox': (dict(box_source='gt'), None, _check_object_box),
    'ViewBoxCrop': (dict(index=1), None, _check_image),
}


@pytest.mark.parametrize('name', _own(TRANSFORMS))
def test_transform_contract(name, tmp_path):
    kwargs, prepare, check = _case(TRANSFORMS, TRANSFORM_CASES, name)
    if name == 'LoadProposals':
        kwargs = dict(kwargs, proposal_file=_proposals_file(tmp_path))
    init_default_scope('mmmlc')
    transform = TRANSFORMS.build(dict(type=name, **kwargs))
    assert type(transform) is TRANSFORMS.get(name)
    assert name in repr(transform)
    np.random.seed(0)
    sample = _sample(tmp_path)
    if prepare is not None:
        sample = prepare(sample)
    results = transform(sample)
    assert isinstance(results, dict)
    check(results)
