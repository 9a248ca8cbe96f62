"""Offline multi-scale CAMs as a predict mode of a CAM classifier."""
from typing import List, Optional

import torch
from mmpretrain.structures import DataSample

from ..utils import multi_hot_targets
from ..utils.multiscale_cams import (cam_classes, check_original_size,
                                     multiscale_cam_options,
                                     multiscale_class_maps, normalized_cams)


class MultiScaleCAMMixin:
    """``predict`` of a CAM classifier (backbone + ``CAMHead``, attributes
    ``stride`` and ``multiscale_cam``) that gives the offline multi-scale
    CAMs when ``multiscale_cam`` is set (OASS stage 2,
    docs/reference/oass.md, "Offline CAMs"); the head's prediction
    otherwise.
    """

    def predict(self,
                inputs: torch.Tensor,
                data_samples: Optional[List[DataSample]] = None,
                **kwargs) -> List[DataSample]:
        """The head's prediction, or the offline CAMs with
        ``multiscale_cam`` set."""
        if self.multiscale_cam is None:
            return super().predict(inputs, data_samples, **kwargs)
        return self.predict_multiscale_cams(inputs, data_samples)

    def predict_multiscale_cams(
            self,
            inputs: torch.Tensor,
            data_samples: Optional[List[DataSample]] = None
    ) -> List[DataSample]:
        """Offline CAMs of images at their original size (OASS stage 2).

        docs/reference/oass.md ("Offline CAMs"): every scale of
        ``multiscale_cam['scales']`` is one forward of the batch and its
        flip; see :mod:`mmmlc.models.utils.multiscale_cams`.

        Args:
            inputs (torch.Tensor): ``(B, 3, H, W)``, not resized or padded.
            data_samples (list[DataSample], optional): Need the labels for
                ``cam_classes='labels'``.

        Returns:
            list[DataSample]: With ``pred_score`` (sigmoid of the
            multi-scale logits, ``(C,)``), ``cam_keys`` (K,) int64,
            ``cam_stride4`` ``(K, ceil(H/4), ceil(W/4))`` and
            ``cam_high_res`` ``(K, H, W)``, each class over its max
            + eps.
        """
        opts = self.multiscale_cam or multiscale_cam_options({})
        if data_samples is None:
            data_samples = [DataSample() for _ in range(len(inputs))]
        check_original_size(inputs, [s.metainfo for s in data_samples])
        logits, strided, high_res = multiscale_class_maps(
            lambda x: self.head.class_maps(self.extract_feat(x)), inputs,
            opts['scales'], opts['flip'], self.stride)
        labels = None
        if opts['cam_classes'] == 'labels':
            labels = multi_hot_targets(data_samples, self.head.num_classes)
        keys = cam_classes(logits, opts['cam_classes'], labels,
                           opts['score_thr'])
        cams = normalized_cams(strided, high_res, keys, opts['eps'])
        for sample, z, k, (small, large) in zip(data_samples, logits, keys,
                                                 cams):
            sample.set_pred_score(torch.sigmoid(z))
            sample.set_field(k, 'cam_keys')
            sample.set_field(small, 'cam_stride4')
            sample.set_field(large, 'cam_high_res')
        return data_samples
