"""Background job kinds of the registry (autodiscovered by tongxin.core.jobs): people_export, people_import."""

from tongxin.people.exporting import export_job, import_job  # noqa: F401
