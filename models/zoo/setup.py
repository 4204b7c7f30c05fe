"""Only the scripts that build the zoo (they need torch) stay out of the wheel: the package is
`__init__.py` plus the model files (pyproject.toml has the rest)."""

from setuptools import setup
from setuptools.command.build_py import build_py


class ModelsOnly(build_py):
    def find_package_modules(self, package, package_dir):
        return [
            found
            for found in super().find_package_modules(package, package_dir)
            if found[1] == "__init__"
        ]


setup(cmdclass={"build_py": ModelsOnly})
