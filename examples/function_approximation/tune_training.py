"""Stage 1 of the walk-through: tune the training of a {16, 16, 16} MLP (activation, learning rate,
optimizer, loss) so that it approximates a function on [0, 1]; the metric is the max approximation error.

    python tune_training.py                    # one run with the defaults below
    nni-annot run --config stage1.yml          # the search (see README.md)
"""

import argparse

import approx
import svgplot

parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
parser.add_argument("--function", choices=["oscillator", "square"], default="oscillator")
parser.add_argument("--epochs", type=int, default=1000)
parser.add_argument("--plot", metavar="SVG", help="write the target and the network's output here")
args = parser.parse_args()

"""@nni.variable(nni.choice("ReLU", "LeakyReLU", "Sigmoid", "Tanh", "Softplus"), name=act_func)"""
act_func = "Sigmoid"
"""@nni.variable(nni.quniform(0.005, 0.05, 0.005), name=learning_rate)"""
learning_rate = 0.01
"""@nni.variable(nni.choice("SGD", "Adam", "RMSprop"), name=optimizer)"""
optimizer = "Adam"
"""@nni.variable(nni.choice("SmoothL1Loss", "MSELoss"), name=loss)"""
loss = "MSELoss"
hidden = [16, 16, 16]

approx.setup()
model = approx.build(hidden, act_func)
errors = []
for _epoch, error in approx.train(model, args.function, args.epochs, optimizer, learning_rate, loss,
                                 every=max(args.epochs // 20, 1)):  # fmt: skip
    errors.append(error)
    """@nni.report_intermediate_result(error)"""

# The walk-through reported the best of the last five measurements: late training can jitter.
result = {"default": min(errors[-5:]), "last": errors[-1], "parameters": approx.parameter_count(model)}
"""@nni.report_final_result(result)"""
print(f"{act_func} lr={learning_rate} {optimizer} {loss} {hidden}: max error {result['default']:.4f}")
if args.plot:
    svgplot.write(args.plot, approx.curve(model, args.function), f"{args.function}, {hidden}, {act_func}")
