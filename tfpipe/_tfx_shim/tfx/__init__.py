"""Put on the PYTHONPATH of Beam worker processes (only when the real TFX is not
installed) so that a module file's ``import tfx...`` works there as it does in the
process that loaded it: this package hands ``tfx`` over to tfpipe's TFX API."""
import sys

from tfpipe import tfx_imports

tfx_imports.serve_this_process()
sys.modules[__name__] = tfx_imports.alias_module(__name__)
