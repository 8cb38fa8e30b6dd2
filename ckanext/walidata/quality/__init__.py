"""Data quality checks: frictionless validation plus the Satu Data rules.

Plain Python, no CKAN: ``engine`` runs frictionless over a file with the checks of
``checks/``; ``findings`` gives their severities and messages; ``columns`` tells what each
column is; ``profile`` summarises a table for the cross-period and cross-agency checks.
CKAN wiring (jobs, storage, actions) lives in ``ckanext.walidata.validation``.
"""
