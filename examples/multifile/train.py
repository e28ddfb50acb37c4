"""A trial made of several files: the annotations in models/mlp.py belong to this script's search space.

`nni-annot ss_gen train.py` follows the project imports (`from models import mlp`) and merges the
parameters of every annotated module; keys carry the module name (`models.mlp/hidden/choice`).
"""

from models import mlp

"""@nni.variable(nni.uniform(0.0, 0.5), name=dropout)"""
dropout = 0.1

net = mlp.build(inputs=4, dropout=dropout)
loss = mlp.fake_loss(net)
"""@nni.report_final_result(-loss)"""
print(f"{net} loss={loss:.3f}")
