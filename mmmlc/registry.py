"""mmmlc's registries: children of mmpretrain's, scope ``mmmlc``.

With ``default_scope='mmmlc'`` a config names mmmlc components and
mmpretrain/mmengine components side by side: a lookup that misses in
``mmmlc`` falls back to the parent registry.
"""
from mmengine.registry import Registry
from mmpretrain import registry as mmpretrain_registry

__all__ = [
    'RUNNERS', 'RUNNER_CONSTRUCTORS', 'LOOPS', 'HOOKS', 'LOG_PROCESSORS',
    'OPTIMIZERS', 'OPTIM_WRAPPERS', 'OPTIM_WRAPPER_CONSTRUCTORS',
    'PARAM_SCHEDULERS', 'DATASETS', 'DATA_SAMPLERS', 'TRANSFORMS', 'MODELS',
    'MODEL_WRAPPERS', 'WEIGHT_INITIALIZERS', 'BATCH_AUGMENTS', 'TASK_UTILS',
    'METRICS', 'EVALUATORS', 'VISUALIZERS', 'VISBACKENDS'
]


def _child(name: str, locations: list) -> Registry:
    # A child registry looks into its parent's table without importing the
    # parent's modules, so mmpretrain's matching package is a location too.
    mmpretrain_locations = [
        loc.replace('mmmlc.', 'mmpretrain.', 1) for loc in locations
    ]
    return Registry(
        name.lower(),
        parent=getattr(mmpretrain_registry, name),
        scope='mmmlc',
        locations=mmpretrain_locations + locations)


RUNNERS = _child('RUNNERS', ['mmmlc.engine'])
RUNNER_CONSTRUCTORS = _child('RUNNER_CONSTRUCTORS', ['mmmlc.engine'])
LOOPS = _child('LOOPS', ['mmmlc.engine'])
HOOKS = _child('HOOKS', ['mmmlc.engine'])
LOG_PROCESSORS = _child('LOG_PROCESSORS', ['mmmlc.engine'])
OPTIMIZERS = _child('OPTIMIZERS', ['mmmlc.engine'])
OPTIM_WRAPPERS = _child('OPTIM_WRAPPERS', ['mmmlc.engine'])
OPTIM_WRAPPER_CONSTRUCTORS = _child('OPTIM_WRAPPER_CONSTRUCTORS',
                                    ['mmmlc.engine'])
PARAM_SCHEDULERS = _child('PARAM_SCHEDULERS', ['mmmlc.engine'])
DATASETS = _child('DATASETS', ['mmmlc.datasets'])
DATA_SAMPLERS = _child('DATA_SAMPLERS', ['mmmlc.datasets'])
TRANSFORMS = _child('TRANSFORMS', ['mmmlc.datasets'])
MODELS = _child('MODELS', ['mmmlc.models'])
MODEL_WRAPPERS = _child('MODEL_WRAPPERS', ['mmmlc.models'])
WEIGHT_INITIALIZERS = _child('WEIGHT_INITIALIZERS', ['mmmlc.models'])
BATCH_AUGMENTS = _child('BATCH_AUGMENTS', ['mmmlc.models'])
TASK_UTILS = _child('TASK_UTILS', ['mmmlc.models'])
METRICS = _child('METRICS', ['mmmlc.evaluation'])
EVALUATORS = _child('EVALUATORS', ['mmmlc.evaluation'])
VISUALIZERS = _child('VISUALIZERS', ['mmmlc.visualization'])
VISBACKENDS = _child('VISBACKENDS', ['mmmlc.visualization'])
