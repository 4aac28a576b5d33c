# La interfaz web de Parley en español. Tiene exactamente los mensajes de en.ftl, con los
# mismos marcadores (src/i18n/catalogue_check.rs lo comprueba).

language-name = Español
language-picker-label = Idioma de la interfaz

## El marco

skip-to-content = Saltar al contenido
nav-main-label = Principal
my-account-prefix = Mi cuenta:{" "}
sign-out = Cerrar sesión
live-title = Actualizaciones en directo
live-connected = En directo
live-connecting = Conectando…
live-offline = Sin conexión
live-retrying = Sin conexión · nuevo intento en { $seconds } s
connection-lost = Se perdió la conexión con el servidor. Las actualizaciones en directo están en pausa; reconectando en { $seconds } s (intento { $attempt }). Lo que ve puede no estar al día.
go-home = Ir a mi inicio
not-available-title = No disponible
not-available-text = Esta página no forma parte del espacio de trabajo de { $role }.

## Vistas: títulos y navegación

title-home = Inicio
title-login = Iniciar sesión
title-reset-password = Establecer una contraseña nueva
title-account = Mi cuenta
title-request = Solicitar un intérprete
title-my-call = Su llamada
title-console = Consola del intérprete
title-floor = Sala en directo
title-floor-at = La sala en un instante
title-calls = Historial de llamadas
title-replay = Cronología de la llamada
title-analytics = Analítica
title-admin = Administración
title-organisations = Organizaciones
title-organisation = Organización
title-invoices = Facturas
title-dispute = Llamada facturada
title-not-found = Página no encontrada
nav-request = Solicitar un intérprete
nav-console = Consola
nav-floor = Sala en directo
nav-floor-at = Sala en…
nav-calls = Historial de llamadas
nav-analytics = Analítica
nav-organisations = Organizaciones
nav-invoices = Facturas
nav-admin = Administración

## Roles

role-admin = Administrador
role-supervisor = Supervisor
role-agent = Intérprete
role-analyst = Analista
role-requester = Solicitante

## Estados, actividades y opciones, tal como los nombra el servidor

status-new = Nueva
status-requested = Solicitada
status-queued = En cola
status-offered = Ofrecida
status-connected = Conectada
status-on-hold = En espera
status-ended = Finalizada
status-wrapped-up = Cerrada
status-abandoned = Abandonada
status-no-interpreter-available = Ningún intérprete disponible
status-available = Disponible
status-break = En pausa
status-offline = Desconectado
status-away = Ausente
status-idle = Libre
status-ringing = Sonando
status-on-call = En llamada
status-wrap-up = Cierre
specialty-general = General
specialty-medical = Médica
specialty-legal = Jurídica
modality-video = Vídeo
modality-audio = Audio
strategy-longest-idle = Más tiempo libre
strategy-round-robin = Por turnos
strategy-fewest-calls-today = Menos llamadas hoy
strategy-best-proficiency = Mejor dominio

## Duraciones (los números llegan ya formateados para el idioma)

duration-hours-minutes = { $hours } h { $minutes } min
duration-minutes-seconds = { $minutes } min { $seconds } s
duration-seconds = { $seconds } s

## Errores y la sesión

error-network = No se puede contactar con el servidor de Parley. Compruebe su conexión; seguiremos intentándolo.
error-invalid-credentials = Correo electrónico o contraseña incorrectos.
error-wrong-password = La contraseña actual no es correcta.
error-forbidden = Su rol no permite hacer esto.
error-rate-limited-for = Demasiados intentos. Vuelva a intentarlo dentro de { $seconds } s.
error-rate-limited = Demasiados intentos. Vuelva a intentarlo en breve.
error-unavailable = El servicio no está disponible temporalmente. Vuelva a intentarlo en un momento.
session-signed-out = Ha cerrado la sesión.
session-expired = Su sesión ha caducado. Vuelva a iniciar sesión.
session-invalid = Su sesión ya no es válida. Vuelva a iniciar sesión.

## Iniciar sesión

login-heading = Iniciar sesión en Parley
login-tagline = Intérpretes cuando los necesita, por vídeo o por teléfono.
login-email = Correo electrónico
login-email-missing = Introduzca su correo electrónico.
login-password = Contraseña
login-password-missing = Introduzca su contraseña.
login-submit = Iniciar sesión
login-busy = Iniciando sesión…
login-or = o
login-sso = Iniciar sesión con SSO
login-sso-failed = El inicio de sesión único falló: { $error }
login-demo-accounts = Cuentas de demostración (entorno local)
login-demo-password = Contraseña

## Palabras compartidas

loading = Cargando…
dismiss = Descartar
column-time = Hora
column-language = Idioma
column-status = Estado
column-talk = Conversación

## La consola del intérprete

console-my-status = Mi estado
console-now = Ahora:
console-since = desde las { $time }
console-calls-today = { $count ->
    [one] { $count } llamada hoy
   *[other] { $count } llamadas hoy
}
console-set-away = Se le marcó como ausente tras perder ofertas. Póngase disponible cuando vuelva.
console-ring-on = Sonar cuando llegue una oferta
console-test-ring = Probar el timbre
console-ring-permission = El timbre necesita su permiso para reproducir sonido.
console-enable-sound = Activar el sonido
console-load-failed = No se pudo cargar su estado: { $error }
console-no-skills = Aún no tiene competencias registradas, así que no puede atender llamadas. Pida a un administrador que añada sus idiomas.
console-idle-available = Esperando la próxima llamada. Las ofertas sonarán aquí.
console-idle-break = Está en pausa: no se le ofrecerán llamadas.
console-idle-away = Está ausente: no se le ofrecerán llamadas hasta que se ponga disponible.
console-idle-offline = Está desconectado. Póngase disponible para recibir llamadas.
offer-incoming = Llamada entrante
offer-expired = Oferta caducada
offer-expired-announcement = La oferta ha caducado.
offer-seconds-left-announcement = Quedan { $seconds } segundos para responder.
offer-seconds-left = s para responder
offer-requested-by = solicitada por { $name }
offer-queue = Cola { $queue }
offer-urgent = Urgente
offer-accept = Aceptar
offer-decline = Rechazar
offer-missed = La llamada en { $language } no se respondió a tiempo y volvió a su cola.
call-heading = Llamada en { $language }
call-requester = solicitante { $name }
call-queue = cola { $queue }
call-talking = en conversación { $duration }
call-transfer-ringing = La transferencia está sonando: conserva a la persona que llama hasta que se acepte.
call-hold = Poner en espera
call-resume = Reanudar
call-end = Finalizar llamada
call-end-confirm = ¿Finalizar esta llamada para todos?
call-left-room = Ha salido de la sala de vídeo
call-left-room-question = ¿Finalizar la llamada para todos o volver a la sala?
call-end-for-everyone = Finalizar la llamada
call-rejoin = Volver a entrar
transfer = Transferir
consult = Consultar antes
consult-complete = Completar la transferencia
consult-cancel = Cancelar la consulta
transfer-to = Transferir a
transfer-to-choose = Transferir a…
transfer-queues = Colas
transfer-nobody-free = Colegas: nadie libre ahora
transfer-colleagues-free = Colegas libres ahora
transfer-choose = Elija una cola o un colega.
transfer-queue-confirm = ¿Transferir esta llamada? Conserva a la persona que llama hasta que la acepte un intérprete de la cola elegida; después pasa al cierre.
transfer-colleague-confirm = ¿Transferir esta llamada a { $name }? Le sonará; conserva a la persona que llama hasta que la acepte y después pasa al cierre.
transfer-this-colleague = este colega
wrap-heading = Cierre
wrap-about = Llamada en { $language } con { $name } · duración { $duration }
wrap-about-transferred = Llamada en { $language } con { $name } · transferida por usted
wrap-about-call = Llamada { $id }
wrap-disposition = Resultado
wrap-notes = Notas (opcional)
wrap-submit = Enviar cierre
disposition-completed = Completada
disposition-partially-completed = Completada en parte
disposition-no-show = La otra parte no se conectó
disposition-technical-issue = Problema técnico
disposition-wrong-language = Idioma equivocado
disposition-other = Otro
today-heading = Llamadas de hoy
today-none = Ninguna todavía.
any = Cualquiera
open = Abrir
copy = Copiar
copied = Copiado
copy-label = Copiar { $label }
column-requested = Solicitada
column-interpreter = Intérprete
column-rating = Valoración
gender-female = Mujer
gender-male = Hombre
gender-nonbinary = No binario
tags-add = Añadir
tags-remove = Quitar { $name }
tags-none = Ninguno
tags-choose = Elegir…

## El solicitante

request-load-failed = No se pudieron cargar sus llamadas: { $error }
request-active-call = Tiene una llamada { $status }.
request-open-it = Abrirla
request-new = Nueva solicitud
request-language-hint = El que habla la otra parte.
request-your-language = Su idioma
request-modality = Modalidad
request-audio-only = Solo audio
request-specialty = Especialidad
request-requirements = Requisitos (opcional)
request-gender = Género del intérprete
request-certifications = Certificaciones exigidas
request-certifications-example = p. ej., judicial
request-urgent = Urgente (se atiende primero)
request-submit = Solicitar intérprete
request-busy = Solicitando…
request-your-calls = Sus llamadas
request-no-calls = Aún no hay llamadas.
my-call-not-found = Esta llamada no existe o no es suya.
my-call-back = Volver a las solicitudes
my-call-requests-link = ← Solicitudes
my-call-cancel-confirm = ¿Cancelar esta solicitud? La llamada se abandonará.
my-call-cancel = Cancelar la solicitud
my-call-offered = Se está pidiendo a un intérprete que atienda su llamada…
my-call-queued = Esperando a un intérprete…
my-call-routing = Buscando la cola adecuada…
my-call-waiting-for = Tiempo de espera
my-call-queue = Cola
my-call-place = Su puesto
my-call-position = Es el número { $position } en la cola
my-call-queue-waiting = Llamadas en espera en esta cola
my-call-estimate = Espera estimada
my-call-any-moment = En cualquier momento
my-call-about = unos { $duration }
my-call-no-estimate = Aún no hay datos suficientes
my-call-your-interpreter = Su intérprete:
my-call-connected-ago = conectado hace { $duration }
my-call-on-hold = El intérprete ha puesto la llamada en espera. Permanezca en la sala.
my-call-left-room = Ha salido de la sala de vídeo. Solo el intérprete puede finalizar la llamada.
my-call-rejoin = Volver a la sala
callback-chosen = Le devolveremos la llamada: conserva su puesto. Cuando su intérprete esté listo, esta página le pedirá que se una.
callback-choose = Prefiero que me llamen
callback-join-now = Su intérprete está listo: únase ahora (quedan { $seconds } s)
callback-join = Unirse
rating-cancelled = Canceló esta solicitud.
rating-no-interpreter = No había ningún intérprete disponible para esta solicitud.
rating-request-again = Volver a solicitar
rating-ended = La llamada ha terminado
rating-waited = Espera
rating-talked = Conversación
rating-choose-stars = Elija de 1 a 5 estrellas.
rating-question = ¿Qué tal su intérprete?
rating-stars = { $count ->
    [one] { $count } estrella
   *[other] { $count } estrellas
}
rating-comment = Comentario (opcional)
rating-send = Enviar valoración
rating-thanks = { $count ->
    [one] Gracias: ha valorado esta llamada con { $count } estrella.
   *[other] Gracias: ha valorado esta llamada con { $count } estrellas.
}

## Mi cuenta y las contraseñas

account-signed-in-as = Sesión iniciada como
account-name = Nombre
account-role = Rol
account-change-password = Cambiar la contraseña
account-current-password = Contraseña actual
account-new-password = Contraseña nueva
account-new-password-again = Repita la contraseña nueva
account-current-missing = Introduzca su contraseña actual.
account-passwords-differ = Las dos contraseñas nuevas no coinciden: escriba la misma dos veces.
account-password-same = La contraseña nueva es la actual: elija otra.
account-password-changed = Su contraseña ha cambiado. Úsela a partir del próximo inicio de sesión.
password-at-least = Al menos { $min } caracteres.
password-length = La contraseña nueva debe tener entre { $min } y { $max } caracteres.
reset-link-invalid = Este enlace de restablecimiento no funciona: ya se usó, ha caducado (los enlaces duran 24 horas) o se copió incompleto. Pida uno nuevo a un administrador.
reset-link-missing = Esta página necesita el enlace de restablecimiento completo que le envió un administrador (termina en #token=…). Pídale uno nuevo si lo ha perdido.
reset-passwords-differ = Las dos contraseñas no coinciden: escriba la misma dos veces.
reset-done = Su nueva contraseña está establecida. Inicie sesión con ella.
reset-go-to-sign-in = Ir a iniciar sesión
reset-works-once = El enlace funciona una sola vez. Establecer una contraseña cierra todas sus sesiones.
reset-submit = Establecer la contraseña
reset-busy = Estableciendo…

## La sala en directo y el historial de llamadas

reason-presence-lost = conexión perdida
reason-missed-offers = ofertas perdidas
estimate-nobody-signed-in = nadie ha iniciado sesión
estimate-no-service-today = ninguna llamada atendida hoy
floor-queues = Colas
floor-interpreters = Intérpretes
floor-calls = Llamadas
floor-presence-lost = { $name } perdió la conexión durante una llamada. La llamada continúa; compruébela.
floor-totals = Totales de la sala
floor-calls-waiting = Llamadas en espera
floor-longest-wait = Espera más larga
floor-free-now = Libres ahora
floor-free-now-title = Intérpretes aptos disponibles y libres
floor-on-a-call = En una llamada
floor-no-queues = Aún no hay colas.
floor-languages = Idiomas
floor-waiting = En espera
floor-break = Pausa
floor-service-level = Nivel de servicio hoy
floor-estimated-wait = Espera est.
floor-no-interpreters = Aún no hay intérpretes.
floor-for = Desde hace
floor-activity = Actividad
floor-call = Llamada
floor-today = Hoy
floor-change-status = Cambiar estado
floor-no-calls = No hay llamadas en espera ni en curso.
floor-request = Solicitud
floor-actions = Acciones
floor-monitor = Supervisar
floor-stop-monitoring = Dejar de supervisar
floor-monitor-name = { $name } (supervisor)
floor-monitoring = Supervisando la llamada { $id }
floor-earlier = Ver la sala en un momento anterior →
floor-calls-heading = Llamadas en espera y en curso
floor-status-set = { $name } está ahora { $status }.
floor-new-status-for = Nuevo estado para { $name }
floor-set = Aplicar
floor-choose-target = Elija primero una cola o un intérprete.
floor-requeue-confirm = ¿Volver a poner en cola la llamada { $id } en { $name }?
floor-transfer-queue-confirm = ¿Transferir la llamada { $id } a la cola { $name }? Su intérprete pasa al cierre.
floor-ring-confirm = ¿Llamar a { $name } para la llamada { $id }?
floor-transfer-confirm = ¿Transferir la llamada { $id } a { $name }?
floor-move-done = Hecho: llamada { $id } → { $name }.
floor-move-call = Mover la llamada { $id }
floor-requeue-or-offer = Volver a la cola / ofrecer…
floor-transfer-choose = Transferir…
floor-to-a-queue = A una cola
floor-ring-interpreter = Llamar a un intérprete disponible
floor-to-interpreter = A un intérprete disponible
floor-go = Ir
calls-intro = Abra una llamada para reproducir su cronología y ver su estado en cualquier instante.
calls-day = Día (UTC)
calls-none = No hubo llamadas ese día.
calls-wait = Espera
calls-replay = Reproducir
calls-load-more = Cargar más

## La cronología de una llamada

yes = sí
no = no
replay-not-yet = La llamada aún no existía en ese instante.
replay-interpreter = intérprete { $name }
replay-organisation = organización { $name }
replay-instant = Instante que mostrar
replay-previous = ◀ Evento anterior
replay-next = Evento siguiente ▶
replay-whole-floor = Toda la sala en este instante →
replay-state-heading = La llamada en ese instante
replay-events-so-far = Eventos hasta ahora
replay-last-event = Último evento
replay-ringing-for = Sonando para
replay-on-hold-since = En espera desde
replay-held-so-far = Tiempo en espera
replay-rated = Valorada
replay-pick = Mueva el control deslizante o elija un evento.
replay-timeline = Cronología ({ $count ->
    [one] { $count } evento
   *[other] { $count } eventos
})
replay-show-at-event = Mostrar la llamada en este evento
replay-by = por { $actor }
replay-details = Detalles
replay-back = ← Historial de llamadas
event-call-requested = Llamada solicitada
event-call-queued = Llamada en cola
event-call-offered = Llamada ofrecida
event-offer-declined = Oferta rechazada
event-offer-expired = Oferta caducada
event-offer-withdrawn = Oferta retirada
event-call-accepted = Llamada aceptada
event-call-held = Llamada en espera
event-call-resumed = Llamada reanudada
event-call-transferred = Llamada transferida
event-transfer-requested = Transferencia solicitada
event-transfer-failed = Transferencia fallida
event-call-ended = Llamada finalizada
event-call-wrapped-up = Llamada cerrada
event-call-abandoned = Llamada abandonada
event-call-overflowed = Llamada desbordada
event-no-interpreter-available = Ningún intérprete disponible
event-call-rated = Llamada valorada
event-call-pool-widened = Grupo de intérpretes ampliado
event-callback-chosen = Devolución de llamada elegida
event-callback-offered = Devolución de llamada ofrecida
event-requester-joined = El solicitante se unió
event-callback-missed = Devolución de llamada perdida

## La sala en un instante, organizaciones

floor-at-heading = La sala en un instante
floor-at-enter-instant = Introduzca una fecha y una hora.
floor-at-now = Ahora
floor-at-in-progress = En curso
floor-at-queue = { $queue } · { $count } en espera · la más larga { $longest }
floor-at-unrouted = Aún sin cola
floor-at-calls-heading = Llamadas en curso
floor-at-no-calls = No hay llamadas en curso.
floor-at-since = Desde
floor-at-instant = Instante (su hora)
floor-at-show = Mostrar
floor-at-step = Avanzar o retroceder en el tiempo
floor-at-back-minutes = −{ $count } min
floor-at-back-seconds = −{ $count } s
floor-at-on-minutes = +{ $count } min
floor-at-on-seconds = +{ $count } s
orgs-name-missing = Dé un nombre a la organización.
orgs-created = Se creó { $name }.
orgs-none = Aún no hay organizaciones.
orgs-policy-link = Política e historial →
orgs-open = Abrir { $name }
orgs-intro = Los solicitantes pertenecen a una organización. Su política prefiere o excluye intérpretes y exige certificaciones en cada llamada que hace.
orgs-new = Nueva organización
orgs-name = Nombre de la organización
orgs-create = Crear la organización
orgs-all = Todas las organizaciones
policy-field-preferred = intérpretes preferidos
policy-field-banned = intérpretes excluidos
policy-field-certifications = certificaciones exigidas
policy-field-preferred-wait = espera preferente
policy-added = Añadido a { $field }: { $names }
policy-removed = Quitado de { $field }: { $names }
policy-someone-unknown = alguien desconocido
policy-no-changes = Aún no hay cambios: la política es la predeterminada (nadie preferido ni excluido, ninguna certificación exigida).
policy-no-change = Guardada sin cambios.
policy-preferred-and-banned = quítelos de una de las dos listas.
policy-unknown-agent = vuelva a elegir a los intérpretes de las listas.
policy-load-failed = No se pudieron cargar los intérpretes: { $error }
policy-wait-invalid = La espera preferente debe ser un número entero de segundos.
policy-saved = Política guardada.
policy-back = ← Organizaciones
policy-heading = Política de solicitantes
policy-applies = Se aplica a cada llamada que hacen los solicitantes de esta organización.
policy-preferred-hint = Se les ofrece primero cuando están libres.
policy-wait-label = Espera preferente (segundos)
policy-wait-hint = Cuánto espera una llamada a un intérprete preferido antes de que pueda atenderla cualquier intérprete apto (0–3600).
policy-banned-hint = Nunca se les ofrecen las llamadas de esta organización, sea cual sea la ampliación.
policy-certifications-hint = Todo intérprete de las llamadas de esta organización debe tenerlas todas.
policy-save = Guardar la política
policy-history = Historial de la política

## La asignación explicada

routing-heading = La asignación explicada
routing-intro = ¿Se ofreció esta llamada a un intérprete y, si no, por qué?
routing-explain = Explicar
routing-choose = Elija un intérprete.
routing-failed = El servidor no pudo explicar la asignación: { $error }
routing-offered = A { $name } se le ofreció esta llamada.
routing-not-offered = A { $name } no se le ofreció esta llamada.
routing-offered-at = Ofrecida a las { $time }
routing-in-queue = en { $queue }
offer-outcome-accepted = Aceptada
offer-outcome-declined = Rechazada
offer-outcome-expired = Caducada
offer-outcome-withdrawn = Retirada
routing-reason-banned-by-organisation = Excluido por la organización de quien llama
routing-reason-not-in-queue = No es miembro de la cola de la llamada
routing-reason-pair-missing = No tiene el par de idiomas de la llamada
routing-reason-proficiency-too-low = Dominio por debajo del mínimo de la cola
routing-reason-modality-missing = No trabaja en la modalidad de la llamada
routing-reason-specialty-missing = No tiene la especialidad de la llamada
routing-reason-organisation-certification-missing = Le falta una certificación que exige la organización
routing-reason-certification-missing = Le falta una certificación que exige la solicitud
routing-reason-gender-mismatch = No coincide con el género solicitado
routing-reason-busy = Ocupado con otra llamada
routing-reason-not-available = No disponible (en pausa o sin sesión)
routing-reason-widening-step-not-reached = Solo apto tras una ampliación que la llamada no había alcanzado
routing-reason-another-interpreter-chosen = Se eligió a otro intérprete

## Facturas y una llamada facturada

invoice-month = Mes
invoice-show = Mostrar la factura
invoice-heading = Factura · { $organisation } · { $month }
invoice-currency = Moneda: { $currency }
invoice-print = Imprimir
invoice-when = Cuándo
invoice-billed = Facturado
invoice-description = Descripción
invoice-amount = Importe
invoice-credit-note = nota de crédito
invoice-total = Total
dispute-timeline-failed = No se pudo cargar la cronología: { $error }
dispute-loading = Cargando la factura…
dispute-summary = Facturado { $amount } por { $duration } (versión de tarifa { $version }), neto { $net } tras los abonos.
dispute-no-rate-card = ninguna
dispute-line = Línea
dispute-seconds = Segundos
dispute-events = Eventos
dispute-credit = Nota de crédito { $number }: { $reason } (por { $name })
dispute-heading = Llamada { $id } · factura y cronología
dispute-bill = Factura
dispute-choose-line = Elija una línea para marcar los eventos de los que se factura.
dispute-timeline = Cronología

## Analítica

analytics-bad-range = Elija un día de inicio igual o anterior al día final.
analytics-preparing = Preparando la exportación…
analytics-saved = Se guardó { $file } ({ $size }).
analytics-save-failed = No se pudo guardar el archivo: { $error }
analytics-export-failed = La exportación falló: { $error }
analytics-settings = Opciones del informe
analytics-group-by = Agrupar por
analytics-interval = Intervalo
analytics-15-minutes = 15 minutos
analytics-hour = Hora
analytics-day = Día
analytics-from = Desde (día UTC)
analytics-to = Hasta (día UTC, incluido)
analytics-update = Actualizar
analytics-export = Exportar llamadas (CSV)
analytics-offered = Ofrecidas
analytics-answered = Atendidas
analytics-service-level = Nivel de servicio
analytics-asa-long = Velocidad media de respuesta
analytics-aht-long = Tiempo medio de gestión
analytics-no-activity = No hay actividad en este periodo.
analytics-chart-by-group = Llamadas por grupo
analytics-chart-offered = Llamadas ofrecidas por intervalo
analytics-chart-service-level = Nivel de servicio por intervalo
analytics-totals = Totales del periodo
analytics-per-interval = Por intervalo ({ $count ->
    [one] { $count } fila
   *[other] { $count } filas
})
analytics-group = Grupo
analytics-overflowed = Desbordadas
analytics-no-interpreter = Sin intérprete
analytics-asa = VMR
analytics-aht = TMG
analytics-abandon-rate = Tasa de abandono
analytics-occupancy = Ocupación

## Administración: pestañas, cuentas, claves de API

admin-tab-users = Usuarios y roles
admin-tab-keys = Claves de API
admin-tab-skills = Competencias de los intérpretes
scope-calls-request = Solicitar llamadas
scope-calls-read = Leer las llamadas que solicitó
scope-calls-cancel = Cancelar las llamadas que solicitó mientras esperan
scope-unknown = Ámbito desconocido
users-deactivated = Se desactivó a { $who }.
users-reactivated = Se reactivó a { $who }.
users-reset-issued = Se emitió un enlace de restablecimiento para { $who }.
users-not-yourself = No puede desactivar su propia cuenta.
users-accounts = Cuentas
users-reset-link-for = Enlace de restablecimiento de contraseña para { $name }
users-reset-link-send = Envíelo usted mismo a { $email } por un canal de confianza. Funciona una sola vez, hasta { $until }; no se vuelve a mostrar.
users-reset-link = Enlace de restablecimiento
users-done = Hecho
users-deactivate-confirm = ¿Desactivar a { $who }? Ya no podrá iniciar sesión y sus sesiones terminarán en un segundo.
users-reactivate-confirm = ¿Reactivar a { $who }?
users-reset-confirm = ¿Emitir un enlace de restablecimiento de contraseña para { $who }? Funciona una sola vez, durante 24 horas; su contraseña sigue valiendo hasta que se use.
users-active = Activa
users-deactivated-badge = Desactivada
users-you = (usted)
users-reset-password = Restablecer contraseña
users-deactivate = Desactivar
users-reactivate = Reactivar
users-created = Se creó { $email } ({ $role }).
users-email-taken = Ese correo electrónico ya tiene una cuenta.
users-new = Nueva cuenta
users-initial-password = Contraseña inicial
users-password-hint = Al menos { $min } caracteres. Los intérpretes también necesitan competencias antes de poder atender llamadas.
users-create = Crear la cuenta
users-organisation-hint = Un solicitante ve las llamadas de su organización; se le aplica su política.
keys-revoke-confirm = ¿Revocar la clave de API { $name } (pk_{ $prefix }…)? La integración que la usa será rechazada desde su próxima petición. No se puede deshacer.
keys-revoked = Se revocó { $name }.
keys-key-for = Clave para { $name }
keys-copy-now = Copie esta clave ahora y guárdela en un lugar seguro: solo se muestra esta vez. Parley guarda solo un resumen; si se pierde, cree una clave nueva y revoque esta.
keys-api-key = Clave de API
keys-sent-as = La integración la envía como
keys-stored = He guardado la clave
keys-none = Aún no hay claves de API.
keys-key = Clave
keys-scopes = Ámbitos
keys-created = Creada
keys-last-used = Último uso
keys-revoked-badge = Revocada
keys-revoke = Revocar
keys-revoke-named = Revocar { $name }
keys-name-missing = Nombre la clave según quién la usa (p. ej., el sistema de citas de la clínica).
keys-scope-missing = Elija al menos un ámbito.
keys-new = Nueva clave de API
keys-name-hint = Quién usa la clave, p. ej., Sistema de citas de la clínica.
keys-create = Crear la clave

## Administración: colas y sus miembros

queues-whole-number = { $field } debe ser un número entero.
queues-name-missing = Dé un nombre a la cola.
queues-languages-missing = Indique al menos un código de idioma (p. ej., es, zh).
queues-min-proficiency = El dominio mínimo
queues-ring-timeout = El tiempo de timbre
queues-max-wait = La espera máxima
queues-wrap-up-time = El tiempo de cierre
queues-sl-threshold = El umbral de nivel de servicio
queues-precedence = La precedencia
queues-saved = Se guardó la cola { $name }.
queues-strategy = Estrategia
queues-ring = Timbre
queues-max-wait-short = Espera máx.
queues-overflow-to = Desbordar a
queues-sl-short = Umbral NS
queues-members = Miembros
queues-anyone-skilled = Cualquiera con las competencias
queues-edit = Editar
queues-edit-named = Editar { $name }
queues-edit-heading = Editar la cola { $name }
queues-new = Nueva cola
queues-languages-label = Idiomas (códigos ISO, separados por comas)
queues-routing-strategy = Estrategia de asignación
queues-min-proficiency-label = Dominio mínimo (1–5)
queues-ring-timeout-label = Tiempo de timbre (s)
queues-max-wait-label = Espera máxima (s)
queues-wrap-up-time-label = Tiempo de cierre (s)
queues-sl-threshold-label = Umbral de nivel de servicio (s)
queues-precedence-label = Precedencia (la mayor gana un empate)
queues-source-language-label = Idioma de origen (vacío: inglés)
queues-save = Guardar los cambios
queues-create = Crear la cola
queues-cancel = Cancelar
queues-widening-step = Ampliación { $number }: { $step }
widening-proficiency = dominio { $level } o superior
widening-any-specialty = cualquier especialidad
widening-requirements-dropped = sin los requisitos de la solicitud
widening-also-queue = también los intérpretes de { $queue }
widening-no-change = sin cambios
widening-after = tras { $duration }: { $changes }
members-saved = Se guardaron los miembros de { $name }: { $count ->
    [0] cualquiera con las competencias.
    [one] { $count } intérprete.
   *[other] { $count } intérpretes.
}
members-heading = Miembros de { $name }
members-intro = Intérpretes que pueden atender las llamadas de esta cola. Si no se marca ninguno, puede hacerlo cualquiera con las competencias adecuadas.
members-loading = Cargando intérpretes…
members-none = Aún no hay cuentas de intérprete.
members-save = Guardar los miembros

## Administración: competencias, pares de idiomas, ampliación, perfil

skills-language-missing = Añada al menos un idioma o un par de idiomas.
skills-modality-missing = Elija al menos una modalidad.
skills-saved = Competencias guardadas.
skills-modalities = Modalidades
skills-none-yet = ninguno todavía
skills-edit = Editar competencias
skills-heading = Competencias
skills-languages-legend = Idiomas y dominio (1–5)
skills-language-n = Idioma { $number }
skills-proficiency-n = Dominio del idioma { $number }
skills-remove-language = Quitar el idioma { $number }
skills-remove = Quitar
skills-add-language = + Añadir un idioma
skills-specialties = Especialidades
skills-certifications = Certificaciones
skills-certifications-example = p. ej., judicial, médica
skills-save = Guardar competencias
widening-after-invalid = Paso de ampliación { $number }: «después de» debe ser un número entero de segundos.
widening-proficiency-invalid = Paso de ampliación { $number }: el dominio debe estar entre 1 y 5.
widening-legend = Ampliación del grupo
widening-hint = Pasos que relajan quién puede atender una llamada en espera, cada uno tras una espera más larga. Una llamada ampliada conserva su puesto en la cola.
widening-none = Sin ampliación: el grupo es el que define la cola.
widening-step-n = Paso de ampliación { $number }
widening-step-short = Paso { $number }
widening-after-label = Después de (s)
widening-lower-proficiency = Bajar el dominio a
widening-drop-specialty = Prescindir de la especialidad
widening-drop-requirements = Prescindir de los requisitos
widening-add-queue = Añadir cola
widening-remove-step = Quitar el paso de ampliación { $number }
widening-add-step = + Añadir un paso de ampliación
pairs-both-languages = Par de idiomas { $number }: indique los dos idiomas.
pairs-legend = Pares de idiomas (además del inglés), dominio 1–5
pairs-pair-n = Par de idiomas { $number }
pairs-from = Par { $number }: de
pairs-to = Par { $number }: a
pairs-proficiency = Par { $number }: dominio
pairs-remove = Quitar el par de idiomas { $number }
pairs-add = + Añadir un par de idiomas
profile-saved = Perfil guardado.
profile-heading = Perfil de { $name }
profile-gender = Género
profile-not-stated = Sin indicar
profile-gender-hint = Se tiene en cuenta cuando una solicitud pide un género de intérprete.
profile-save = Guardar el perfil

## La sala de vídeo, distintivos de ampliación

room-unavailable = La sala de la llamada no está disponible: { $error }
room-open-failed = No se pudo abrir la sala de vídeo desde { $domain }: { $error }
room-unknown-error = error desconocido
room-script-missing = Falta en la página el script de la sala de vídeo.
room-monitoring-muted = Supervisando · silenciado
room-joined = Conectado
room-opening = Abriendo la sala…
room-label = Sala de vídeo
widened-title = Su grupo de intérpretes se amplió con los pasos de ampliación de la cola; conserva su puesto.
widened-badge = ampliada al paso { $step }
widened-text = Ampliada al paso { $step } en { $queue }
copy-refused = El navegador no permitió copiar: el texto está seleccionado, pulse Ctrl+C (⌘C).
room-name = Sala
room-on = en
guests-title = Invitados
guests-name = Nombre del invitado
guests-invite = Invitar
guests-link-for = Enlace para { $name }
guests-remove = Quitar a { $name }
guests-removed = Se quitó a { $name }; el enlace ya no funciona.
title-guest = Unirse a una llamada
guest-joined-as = Está en la llamada como { $name }.
guest-leave = Salir de la llamada
guest-left = Ha salido de la llamada.
guest-removed = Le han quitado de la llamada.
guest-expired = Este enlace ha caducado. Pida uno nuevo.
guest-call-over = La llamada ha terminado.
guest-link-invalid = Este enlace no es válido.
media-failed-title = El vídeo no funciona
media-not-joined = La sala de vídeo no se abrió en 20 segundos.
media-device-refused = La cámara o el micrófono se rechazaron o no están disponibles.
media-retry = Reintentar
media-audio-only = Seguir solo con audio
media-dial-in = O llame por teléfono:
media-dial-in-pin = PIN
media-requeue = Terminar mi parte y devolver la llamada a la cola
media-requeued = La llamada ha vuelto a su cola para otro intérprete.
media-requeue-failed = No se pudo devolver la llamada a la cola: { $error }
floor-barge-in = Intervenir
floor-barged-in = Está hablando en esta llamada.
error-http-status = el servidor respondió { $status }
error-unparsed = no se pudo interpretar la respuesta del servidor: { $error }
floor-at-as-of = A fecha de { $time } · { $count ->
    [one] { $count } evento reproducido
   *[other] { $count } eventos reproducidos
}

## Analítica: desglose, tendencias y CSV (issue 20)
analytics-what-if = ¿Y si…?
analytics-trend = A lo largo del tiempo, por grupo
analytics-metric = Métrica
analytics-drill-hint = Elija una cifra para ver las llamadas que la componen.
analytics-csv-totals = Descargar CSV (totales)
analytics-csv-intervals = Descargar CSV (por intervalo)
metric-service-level = Nivel de servicio
metric-asa = Velocidad media de respuesta (s)
metric-aht = Tiempo medio de gestión (s)
metric-abandonment-rate = Tasa de abandono
metric-occupancy = Ocupación (intérpretes)
metric-offered = Llamadas ofrecidas
drill-title = { $metric } — { $group } a las { $at }
drill-call = Llamada
drill-no-call = (sin llamada)
drill-answered-in-time = Atendidas a tiempo
drill-offered-less-short = Ofrecidas menos abandonos cortos
drill-wait-s = Espera (s)
drill-handle-s = Conversación, espera y cierre (s)
drill-handled = Gestionadas
drill-abandoned-late = Abandonadas tras 5 s
drill-busy-s = Ocupado (s)
drill-logged-in-s = Conectado (s)
drill-count = { $count ->
    [one] { $count } llamada
   *[other] { $count } llamadas
}
drill-sum = { $calls }. Suma: { $numerator }
drill-sum-ratio = { $calls }. Suma: { $numerator } / { $denominator } = { $value }
drill-csv = Descargar CSV (llamadas detrás de la cifra)
drill-close = Cerrar

## ¿Y si…? (issue 20)
title-what-if = ¿Y si…?
what-if-intro = Vuelva a pasar las solicitudes de un intervalo pasado por el enrutador con otra configuración o dotación, y compare las métricas con lo que ocurrió. Nada llega a la sala en vivo.
what-if-settings = Configuración de la simulación
what-if-from = Desde
what-if-to = Hasta
what-if-bad-instant = { $field }: elija una fecha y una hora
what-if-bad-staffing = { $queue }: los intérpretes añadidos deben ser un número entero
what-if-bad-ring = { $queue }: el tiempo de timbre debe ser un número de segundos
what-if-changes = Cambios por cola (deje vacío para mantener)
what-if-queue = Cola
what-if-staffing = Intérpretes añadidos (o quitados, en negativo)
what-if-ring-timeout = Tiempo de timbre (s)
what-if-strategy = Estrategia de enrutamiento
what-if-staffing-of = Intérpretes añadidos a { $queue }
what-if-ring-timeout-of = Tiempo de timbre de { $queue }
what-if-strategy-of = Estrategia de enrutamiento de { $queue }
what-if-unchanged = sin cambios
what-if-replay = Simular
what-if-replaying = Simulando… { $done }
what-if-failed = La simulación falló: { $error }
what-if-all-queues = Todas las colas
what-if-per-queue = Por cola
what-if-metric = Métrica
what-if-actual = Real
what-if-csv-total = Descargar CSV (todas las colas)
what-if-csv-queues = Descargar CSV (por cola)
what-if-asa-chart = Velocidad media de respuesta (s): real y simulada
what-if-sl-actual = Nivel de servicio (real)
what-if-sl-simulated = Nivel de servicio (simulado)
what-if-asa-actual = VMR (real)
what-if-asa-simulated = VMR (simulada)
what-if-abandoned-actual = Abandonadas (real)
what-if-abandoned-simulated = Abandonadas (simulado)
