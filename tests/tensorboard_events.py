"""Reading a run folder's TensorBoard events with TensorBoard's own reader, shared by the tests."""


def read_events(run_dir) -> tuple[dict, dict]:
    """<run>/logs/tensorboard -> ({tag: [(step, value)]}, {tag: [(step, width, height)]})."""
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

    events = EventAccumulator(str(run_dir / "logs" / "tensorboard"), size_guidance={"scalars": 0, "images": 0}).Reload()
    scalars = {tag: [(e.step, e.value) for e in events.Scalars(tag)] for tag in events.Tags()["scalars"]}
    images = {tag: [(e.step, e.width, e.height) for e in events.Images(tag)] for tag in events.Tags()["images"]}
    return scalars, images
