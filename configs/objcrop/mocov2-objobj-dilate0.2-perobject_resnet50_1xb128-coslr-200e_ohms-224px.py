# MoCo-v2 Object-Object+Dilate 0.2 on OHMS with the reference's sampling
# unit: one sample per ground-truth object (~2.5M samples an epoch, ~12x the
# steps of the per-image config at the same 200 epochs; report iterations
# when comparing with the scene baseline). Clean crop arithmetic; the paper
# reproduction is ...-faithful_....
_base_ = ['./mocov2-objobj-dilate0.2_resnet50_1xb128-coslr-200e_ohms-224px.py']
train_dataloader = dict(
    dataset=dict(
        # A wrapper replaces the dataset dict: mmengine would otherwise
        # merge the wrapped dataset's keys into the wrapper's.
        _delete_=True,
        type='ObjectInstanceDataset',
        box_source='gt',
        dataset={{_base_.train_dataloader.dataset}}))
