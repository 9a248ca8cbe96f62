"""Install mmmlc: ``pip install -e .`` (add ``[tests]`` for the test suite)."""
import os
import os.path as osp
from importlib import metadata

from setuptools import find_packages, setup


def mmcv_requirement():
    """``mmcv-lite`` unless the full ``mmcv`` (with compiled ops) is present.

    Both distributions install the same ``mmcv`` package, so requiring
    ``mmcv-lite`` next to a full ``mmcv`` would overwrite its compiled ops.
    Detection needs a non-isolated build (``--no-build-isolation``); the
    environment variable ``MMMLC_FULL_MMCV=1`` forces it.
    """
    spec = '>=2.0,<2.4'
    full = os.environ.get('MMMLC_FULL_MMCV', '') == '1'
    if not full:
        try:
            metadata.version('mmcv')
            full = True
        except metadata.PackageNotFoundError:
            pass
    return ('mmcv' if full else 'mmcv-lite') + spec


def read_version():
    namespace = {}
    with open(osp.join(osp.dirname(__file__), 'mmmlc', 'version.py')) as f:
        exec(f.read(), namespace)
    return namespace['__version__']


setup(
    name='mmmlc',
    version=read_version(),
    description='OpenMMLab-style toolbox for multi-label image '
    'classification, supervised and self-supervised',
    long_description=open('README.md', encoding='utf-8').read(),
    long_description_content_type='text/markdown',
    packages=find_packages(exclude=('configs', 'tools', 'tests', 'docs')),
    include_package_data=True,
    python_requires='>=3.10',
    install_requires=[
        'torch>=2.1',
        'torchvision',
        'mmengine>=0.10.7,<1.0',
        mmcv_requirement(),
        'mmpretrain>=1.2,<2',
        'numpy',
        'pycocotools',
        'scikit-learn',
        'scipy',
        'opencv-python',
    ],
    extras_require={
        'tests': ['pytest', 'pytest-timeout', 'transformers', 'onnx',
                  'onnxruntime', 'grad-cam'],
        'optional': [
            'tensorboard', 'wordcloud', 'opencv-contrib-python-headless',
            'onnx', 'onnxruntime', 'grad-cam'
        ],
    },
    license='Apache License 2.0',
    zip_safe=False,
)
