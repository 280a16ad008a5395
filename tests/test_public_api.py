import types

import storyline


def test_public_api_is_exactly_all():
    public = {name for name in dir(storyline)
              if not name.startswith("_") and not isinstance(getattr(storyline, name), types.ModuleType)}
    assert public == set(storyline.__all__) - {"__version__"}


def test_functions_are_not_shadowed_by_subpackages():
    import storyline.ingest.readers  # noqa: F401  (importing a subpackage must not replace the function)
    import storyline.report  # noqa: F401

    assert callable(storyline.ingest) and callable(storyline.event_report)


def test_every_public_name_is_documented():
    missing = [name for name in storyline.__all__ if name != "__version__" and not getattr(storyline, name).__doc__]
    assert missing == []
