"""What runs in a Kubeflow task: ``__main__`` (the command line), ``run`` (one node
launched through the shared launcher, outputs at KFP's URIs), ``artifacts`` (KFP's
runtime artifacts to tfpipe's and back), ``paths`` (mounted URIs to local paths)."""
