-- Whether the stage exists already (an administrator may have created it), and where it points.
SHOW STAGES LIKE {{name}}
