"""Maps `adapters/`, `themes/` and `recordings/` into the `wallboard` namespace.

The product layout keeps them at the top of the repository, but installing them
as top-level `adapters`/`themes`/`recordings` packages would collide with other
distributions, so every package below them is installed as `wallboard.<dir>...`.
"""

from setuptools import find_packages, setup

MAPPED = ("adapters", "themes", "recordings")

packages = find_packages(include=["wallboard", "wallboard.*"])
package_dir = {"wallboard": "wallboard"}
for top in MAPPED:
    for found in find_packages(include=[top, f"{top}.*"]):
        name = f"wallboard.{found}"
        packages.append(name)
        package_dir[name] = found.replace(".", "/")

setup(packages=packages, package_dir=package_dir)
