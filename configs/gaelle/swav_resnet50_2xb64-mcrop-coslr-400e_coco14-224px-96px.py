# Plain SwAV on MS-COCO 2014 train, the baseline of GAELLE on the same
# pipeline, model and schedule: GAELLE without its local branch (no
# attention slots, no local or local->global prototypes), loss = L_glb.
# Same 8 crops, LARS schedule, queue and prototype freezing as
# gaelle_resnet50_2xb64-mcrop-coslr-400e_coco14-224px-96px.py.
#   bash tools/dist_train.sh configs/gaelle/<this file> 2 --amp
_base_ = ['./gaelle_resnet50_2xb64-mcrop-coslr-400e_coco14-224px-96px.py']
model = dict(
    neck=dict(with_local=False),
    head=dict(global_weight=1.0, local_weight=0.0, l2g_weight=0.0))
