"""Stage 2 of the walk-through: with the training settings stage 1 found, search the architecture:
the widths of up to three hidden layers, n1 in {4, ..., 128} and n2, n3 in {0, 4, ..., 32} (0: no layer).

    python search_architecture.py              # one run of the {16, 16, 16} network
    nni-annot run --config stage2.yml          # the search (see README.md)
"""

import argparse

import approx
import svgplot

parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
parser.add_argument("--function", choices=["oscillator", "square"], default="oscillator")
parser.add_argument("--epochs", type=int, default=1000)
parser.add_argument("--plot", metavar="SVG", help="write the target and the network's output here")
args = parser.parse_args()

# What stage 1 found (see README.md).
act_func, learning_rate, optimizer, loss = "ReLU", 0.035, "Adam", "SmoothL1Loss"

"""@nni.variable(nni.choice(4, 8, 16, 32, 64, 128), name=n1)"""
n1 = 16
"""@nni.variable(nni.choice(0, 4, 8, 16, 32), name=n2)"""
n2 = 16
"""@nni.variable(nni.choice(0, 4, 8, 16, 32), name=n3)"""
n3 = 16

approx.setup()
model = approx.build([n1, n2, n3], act_func)
errors = []
for _epoch, error in approx.train(model, args.function, args.epochs, optimizer, learning_rate, loss,
                                 every=max(args.epochs // 20, 1)):  # fmt: skip
    errors.append(error)
    """@nni.report_intermediate_result(error)"""

result = {"default": min(errors[-5:]), "last": errors[-1], "parameters": approx.parameter_count(model)}
"""@nni.report_final_result(result)"""
print(f"{{{n1}, {n2}, {n3}}}: {result['parameters']} parameters, max error {result['default']:.4f}")
if args.plot:
    svgplot.write(args.plot, approx.curve(model, args.function), f"{args.function}, {{{n1}, {n2}, {n3}}}")
