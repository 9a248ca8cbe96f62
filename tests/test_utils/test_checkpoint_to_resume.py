"""``checkpoint_to_resume``: resuming with nothing to resume is an error."""
import pytest
from mmengine.config import Config

from mmmlc.utils.setup_env import checkpoint_to_resume, run


def test_latest_checkpoint_of_the_work_dir(tmp_path):
    ckpt = tmp_path / 'epoch_3.pth'
    ckpt.write_bytes(b'')
    (tmp_path / 'last_checkpoint').write_text(str(ckpt))
    assert checkpoint_to_resume('auto', str(tmp_path)) == str(ckpt)
    assert checkpoint_to_resume(str(ckpt), 'unused') == str(ckpt)


def test_nothing_to_resume_names_the_work_dir(tmp_path):
    with pytest.raises(FileNotFoundError,
                       match=f'nothing to resume in the work dir {tmp_path}'):
        checkpoint_to_resume('auto', str(tmp_path))
    gone = tmp_path / 'epoch_9.pth'
    (tmp_path / 'last_checkpoint').write_text(str(gone))
    with pytest.raises(FileNotFoundError,
                       match=f'its last_checkpoint names {gone}'):
        checkpoint_to_resume('auto', str(tmp_path))
    with pytest.raises(FileNotFoundError,
                       match=f'--resume {gone}: no such checkpoint file'):
        checkpoint_to_resume(str(gone), str(tmp_path))


def test_resume_set_in_the_config_is_checked_too(tmp_path):
    cfg = Config(dict(resume=True, load_from=None, work_dir=str(tmp_path),
                      launcher='none'))
    with pytest.raises(FileNotFoundError, match='nothing to resume'):
        run(cfg, 'train')
