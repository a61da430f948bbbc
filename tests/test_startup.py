import gc

from hw3_pipelines.startup import importing_without_sweeps


def test_nothing_is_collected_inside_and_what_was_made_is_frozen():
    before = gc.get_freeze_count()
    with importing_without_sweeps():
        assert not gc.isenabled()
        made = [[i] for i in range(1000)]
    assert gc.isenabled()
    assert gc.get_freeze_count() >= before + len(made)
    gc.unfreeze()


def test_a_disabled_collector_stays_disabled():
    gc.disable()
    try:
        with importing_without_sweeps():
            pass
        assert not gc.isenabled()
    finally:
        gc.enable()
        gc.unfreeze()
