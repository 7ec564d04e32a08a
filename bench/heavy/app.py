"""The benchmark's app file: changing it must rebuild only the steps after its COPY."""
import torch

print("torch", torch.__version__, torch.ones(2).sum().item())
