"""Small numpy mechanisms that causes replay (quadratic GD, softmax regression, ...)."""
