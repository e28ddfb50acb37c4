"""Classic NAS on an MNIST-like task, written against NNI's classic-NAS API for PyTorch.

The structure and API calls follow NNI's ``examples/nas/legacy/classic_nas/mnist.py``; the data is a small
synthetic set of 1x28x28 images made here (the class is which quadrant is brightest), so the example runs
in seconds and needs no download.
"""

import argparse
import logging
from collections import OrderedDict

import nni
import torch
import torch.nn.functional as F
from nni.algorithms.nas.pytorch.classic_nas import get_and_apply_next_architecture
from nni.nas.pytorch.mutables import InputChoice, LayerChoice
from torch import nn

logger = logging.getLogger("mnist_classic_nas")


class Net(nn.Module):
    def __init__(self, hidden_size):
        super().__init__()
        # two options of conv1
        self.conv1 = LayerChoice(
            OrderedDict([("conv5x5", nn.Conv2d(1, 20, 5, 1)), ("conv3x3", nn.Conv2d(1, 20, 3, 1))]),
            key="first_conv",
        )
        # two options of mid_conv
        self.mid_conv = LayerChoice(
            [nn.Conv2d(20, 20, 3, 1, padding=1), nn.Conv2d(20, 20, 5, 1, padding=2)], key="mid_conv"
        )
        self.conv2 = nn.Conv2d(20, 50, 5, 1)
        self.fc1 = nn.Linear(4 * 4 * 50, hidden_size)
        self.fc2 = nn.Linear(hidden_size, 4)
        # skip connection over mid_conv
        self.input_switch = InputChoice(n_candidates=2, n_chosen=1, key="skip")

    def forward(self, x):
        x = F.relu(self.conv1(x))
        x = F.max_pool2d(x, 2, 2)
        old_x = x
        x = F.relu(self.mid_conv(x))
        zero_x = torch.zeros_like(old_x)
        skip_x = self.input_switch([zero_x, old_x])
        x = torch.add(x, skip_x)
        x = F.relu(self.conv2(x))
        x = F.max_pool2d(x, 2, 2)
        x = x.view(x.size(0), -1)
        x = F.relu(self.fc1(x))
        x = self.fc2(x)
        return F.log_softmax(x, dim=1)


def synthetic_data(n, seed):
    """``n`` noisy 28x28 images; the label is the quadrant with a bright square."""
    g = torch.Generator().manual_seed(seed)
    images = torch.rand(n, 1, 28, 28, generator=g) * 0.5
    labels = torch.randint(0, 4, (n,), generator=g)
    for i, label in enumerate(labels.tolist()):
        r, c = divmod(label, 2)
        images[i, 0, r * 14 + 3 : r * 14 + 11, c * 14 + 3 : c * 14 + 11] += 1.0
    return images, labels


def train(args, model, data, optimizer, epoch):
    model.train()
    images, labels = data
    for start in range(0, len(labels), args["batch_size"]):
        x, y = images[start : start + args["batch_size"]], labels[start : start + args["batch_size"]]
        optimizer.zero_grad()
        loss = F.nll_loss(model(x), y)
        loss.backward()
        optimizer.step()
    logger.info("epoch %d: loss %.4f", epoch, loss.item())


def test(model, data):
    model.eval()
    images, labels = data
    with torch.no_grad():
        pred = model(images).argmax(dim=1)
    return 100.0 * (pred == labels).float().mean().item()


def main(args):
    torch.manual_seed(args["seed"])
    train_data = synthetic_data(args["n_train"], args["seed"])
    test_data = synthetic_data(args["n_test"], args["seed"] + 1)

    model = Net(hidden_size=args["hidden_size"])
    get_and_apply_next_architecture(model)
    optimizer = torch.optim.SGD(model.parameters(), lr=args["lr"], momentum=args["momentum"])

    for epoch in range(1, args["epochs"] + 1):
        train(args, model, train_data, optimizer, epoch)
        test_acc = test(model, test_data)
        nni.report_intermediate_result(test_acc)
    nni.report_final_result(test_acc)


def get_params():
    parser = argparse.ArgumentParser(description="classic NAS on synthetic MNIST-like data")
    parser.add_argument("--batch_size", type=int, default=32)
    parser.add_argument("--hidden_size", type=int, default=64)
    parser.add_argument("--lr", type=float, default=0.05)
    parser.add_argument("--momentum", type=float, default=0.5)
    parser.add_argument("--epochs", type=int, default=2)
    parser.add_argument("--n_train", type=int, default=256)
    parser.add_argument("--n_test", type=int, default=128)
    parser.add_argument("--seed", type=int, default=1)
    args, _ = parser.parse_known_args()
    return vars(args)


if __name__ == "__main__":
    main(get_params())
