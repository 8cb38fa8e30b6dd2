"""Data quality in CKAN: resource validation jobs, their storage and the review's view of them.

``quality`` (plain Python) does the checking; this package decides when, feeds it the
dataset's context and keeps ckanext-validation's contract (resource fields
``validation_status``/``validation_timestamp``, the ``resource_validation_*`` actions, the
frictionless report).
"""
