"""Demo data for ``make run``: a Satu Data portal for Nusa Tenggara Timur.

``catalogue`` holds the definitions (regions, OPDs, sectors, users, datasets and
their generated tables); ``files/`` holds the CSV files generated from it; and
``loader.load()`` creates all of it through the CKAN action API. Nothing is
imported here, so reading the catalogue does not need a configured CKAN.
"""
