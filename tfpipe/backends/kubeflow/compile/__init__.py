"""The IR as Kubeflow Pipelines v2 YAML: ``pipeline.compile_file`` (checks, project paths
mapped into the image, runtime parameters wired), ``spec`` (the PipelineSpec dicts)."""
