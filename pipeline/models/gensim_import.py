"""gensim, imported without paying for ``scipy.stats`` and ``scipy.optimize`` until something of them is used.

gensim's package import runs ``scipy.stats`` (``matutils`` takes ``entropy`` from it,
``models.nmf`` takes ``halfnorm``, ``models.keyedvectors`` the module), which builds about a
hundred distribution objects, and ``scipy.optimize`` (``models.ldaseqmodel``): 0.45 s and
0.15 s of gensim's 1.25 s import on this project's 2-core machine. litmap calls none of the
functions that use them (Kullback-Leibler and Jensen-Shannon distances, gensim's NMF,
word-pair evaluation, the dynamic topic model), and an ``--update`` imports gensim on its
critical path: the driver reads the stored word2vec model while the new paper is processed
beside it, and the stages wait for that read.

So while gensim's modules run, each of those two modules is a stand-in: each name taken from
it is a :class:`Deferred` that imports the real module on first use (a call or an attribute).
When gensim is imported the stand-ins leave ``sys.modules``: a later ``import scipy.stats``
(scikit-learn's) is the real one, and gensim's own references resolve to it when used. A
module already imported is not stood in for; if gensim's import fails beside the stand-ins (a
gensim release that does more with them at import), gensim is imported the ordinary way.

Every module of litmap that imports gensim imports this module first (which imports gensim so).
The stand-ins are ``pipeline/deferred_import.py``'s, which spaCy's import uses too.

    >>> gensim = import_gensim()
    >>> import scipy.stats
    >>> float(gensim.matutils.entropy([0.5, 0.5], [0.25, 0.75])) == float(scipy.stats.entropy([0.5, 0.5], [0.25, 0.75]))
    True
"""
from __future__ import annotations

import types

from pipeline.deferred_import import import_deferring

# Modules gensim imports whose import is dear and whose names it only uses in functions litmap
# never calls. Not scipy.spatial: gensim imports a submodule of it (scipy.spatial.distance), which
# needs the real package.
DEFERRED = ("scipy.stats", "scipy.optimize")


def import_gensim() -> types.ModuleType:
    """``import gensim``, with ``DEFERRED`` deferred as the module docstring says."""
    return import_deferring("gensim", DEFERRED)


# Importing this module imports gensim: a module of litmap that uses gensim imports this first.
gensim = import_gensim()
