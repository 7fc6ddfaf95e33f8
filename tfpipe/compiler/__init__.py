"""DSL -> IR: validation checks and the pure ``compile_pipeline`` function."""
from .compile import compile_pipeline
from .ir import IR_VERSION, InputIR, NodeIR, PipelineIR

__all__ = ["IR_VERSION", "InputIR", "NodeIR", "PipelineIR", "compile_pipeline"]
