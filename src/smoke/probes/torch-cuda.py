# ml-image's built-in GPU probe for images with PyTorch: passes when torch is absent (nothing to probe),
# fails when torch is there but sees no CUDA device or cannot run a kernel on it.
import importlib.util, sys
if importlib.util.find_spec("torch") is None:
    print("torch not installed: skipped"); sys.exit(0)
import torch
if not torch.cuda.is_available():
    print("torch " + torch.__version__ + " sees no CUDA device", file=sys.stderr); sys.exit(1)
x = torch.ones(1024, device="cuda")
print("torch " + torch.__version__ + ": " + str(torch.cuda.device_count()) + " CUDA device(s), " + torch.cuda.get_device_name(0) + ", sum " + str(int(x.sum().item())))
