"""A botocore data loader that does less work on a cold start, with botocore's data.

Two costs of creating the first client (``scripts/bench_cold_start.py``), both avoided here:

* ``Loader.load_service_model`` checks the service name against ``list_available_services``:
  a walk of every service directory (~420 services, ~900 ``listdir`` calls, once per model
  type), 25-30 ms. This loader answers from the services actually requested, after one listing
  of the requested service's own directory. An unknown name falls back to the full listing, so
  botocore's ``UnknownServiceError`` still names every valid service.
* botocore parses its JSON into ``OrderedDict`` objects (a Python 2 legacy: dicts keep their
  order), which doubles the parse of ``endpoints.json`` (1.2 MB) and the service model: ~20 ms.
  :class:`PlainJSONFileLoader` reads the same files into plain dicts.

Everything else (search paths incl. ``AWS_DATA_PATH``, API version choice, extras, caching)
is botocore's. Only the clients of :mod:`durable_lambda.core.aws` use this loader.

Imported lazily by :mod:`durable_lambda.core.aws` when its first client is created.
"""
from __future__ import annotations

import gzip
import json
import os
from typing import Any, Optional

from botocore.exceptions import DataNotFoundError
from botocore.loaders import JSONFileLoader, Loader


#: botocore's data file forms, in its order of preference
_OPENERS = ((".json", open), (".json.gz", gzip.open))


class PlainJSONFileLoader(JSONFileLoader):  # type: ignore[misc]
    """botocore's ``JSONFileLoader`` parsing ``.json`` / ``.json.gz`` into plain dicts; any
    other form a botocore version may use is botocore's own to read."""

    def load_file(self, file_path: str) -> Any:
        for ext, opener in _OPENERS:
            if os.path.isfile(file_path + ext):
                with opener(file_path + ext, "rb") as stream:
                    return json.loads(stream.read())
        return super().load_file(file_path)


class RequestedServicesLoader(Loader):  # type: ignore[misc]
    """botocore ``Loader`` whose service listing holds only the services requested, reading
    its files with :class:`PlainJSONFileLoader`."""

    def __init__(self, extra_search_paths: Optional[list[str]] = None, **kwargs: Any) -> None:
        kwargs.setdefault("file_loader", PlainJSONFileLoader())
        super().__init__(extra_search_paths=extra_search_paths, **kwargs)
        self._requested: set[str] = set()
        self._list_every_service = False

    def has_service(self, service_name: str, type_name: str) -> bool:
        """Whether the data holds ``type_name`` (e.g. ``service-2``) for ``service_name``."""
        try:
            self.list_api_versions(service_name, type_name)
        except DataNotFoundError:
            return False
        return True

    def load_service_model(self, service_name: str, type_name: str,
                           api_version: Optional[str] = None) -> Any:
        if self.has_service(service_name, type_name):
            self._requested.add(service_name)
        else:  # let botocore raise UnknownServiceError naming every valid service
            self._list_every_service = True
        return super().load_service_model(service_name, type_name, api_version)

    def list_available_services(self, type_name: str) -> list[str]:
        if self._list_every_service:
            return list(super().list_available_services(type_name))
        return sorted(name for name in self._requested if self.has_service(name, type_name))


def loader_for(data_path: Optional[str]) -> RequestedServicesLoader:
    """The loader botocore's ``create_loader`` would make for ``data_path`` (``AWS_DATA_PATH``:
    extra search paths, ``os.pathsep``-separated, ``~`` and variables expanded)."""
    if not data_path:
        return RequestedServicesLoader()
    paths = [os.path.expanduser(os.path.expandvars(path)) for path in data_path.split(os.pathsep)]
    return RequestedServicesLoader(extra_search_paths=paths)
