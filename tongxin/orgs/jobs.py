"""Background job kinds of the organising area (autodiscovered by tongxin.core.jobs): orgs_import."""

from tongxin.orgs.exporting import import_job  # noqa: F401
