(function(){
// Zoom and pan of the time axis (as msticpy's bokeh timeline: x wheel zoom,
// x pan, reset). Points keep their times in data-t; the x grid, tick marks
// and labels (group ts-xaxis) are rebuilt for the visible range, and put
// back as drawn on reset. window.tsTimeline exposes the same operations.
var fig=document.getElementById('ts-fig');if(!fig)return;
var svg=fig.querySelector('svg'),ax=document.getElementById('ts-xaxis');if(!svg||!ax)return;
var NS=svg.namespaceURI;
function d(n){return parseFloat(svg.getAttribute('data-'+n));}
var L=d('left'),R=d('right'),T=d('top'),B=d('bottom'),T0=d('t0'),T1=d('t1'),TK=d('tick'),FS=d('font');
var VW=svg.viewBox.baseVal.width,full=T1-T0,view=[T0,T1],orig=null;
var pts=fig.querySelectorAll('.pt'),ts=[],cx0=[];
for(var i=0;i<pts.length;i++){ts.push(parseFloat(pts[i].getAttribute('data-t')));cx0.push(pts[i].getAttribute('cx'));}
var STEPS=[1,2,5,10,15,30,60,120,300,600,900,1800,3600,7200,10800,21600,43200,86400,172800,
604800,1209600,2592000,7776000,15552000,31536000,63072000,157680000,315360000,3153600000];
function px(t){return L+(t-view[0])/(view[1]-view[0])*(R-L);}
function lab(t,res){var s=new Date(Math.floor(t)*1000).toISOString().replace('T',' ');
return s.slice(0,res===0?10:res===1?16:19);}
function el(n,a){var e=document.createElementNS(NS,n);for(var k in a)e.setAttribute(k,a[k]);return e;}
function axis(){
if(orig===null)orig=ax.cloneNode(true);
while(ax.firstChild)ax.removeChild(ax.firstChild);
var a=view[0],b=view[1],span=b-a,st=STEPS[STEPS.length-1],res=0;
for(var i=0;i<STEPS.length;i++){var s=STEPS[i],r=(s>=86400&&span>=3*86400)?0:(s>=60?1:2);
var lw=(r===0?10:r===1?16:19)*FS*0.62*1.4+12;
if(span/s<=Math.max(2,Math.floor((R-L)/lw))){st=s;res=r;break;}}
for(var t=Math.ceil(a/st)*st;t<=b;t+=st){var x=px(t).toFixed(2);
ax.appendChild(el('line',{x1:x,x2:x,y1:T,y2:B,stroke:'#000','stroke-opacity':'0.13','shape-rendering':'crispEdges'}));
ax.appendChild(el('line',{x1:x,x2:x,y1:B,y2:B+TK,stroke:'#000','stroke-opacity':'0.75'}));
var tx=el('text',{x:x,y:B+TK+4,'text-anchor':'middle',dy:'0.8em'});
tx.textContent=lab(t,res);ax.appendChild(tx);}}
function draw(){for(var i=0;i<pts.length;i++)pts[i].setAttribute('cx',px(ts[i]).toFixed(2));axis();}
function set(a,b){var s=b-a,c=(a+b)/2;if(s>full){a=c-full/2;b=c+full/2;}else if(s<1){a=c-0.5;b=c+0.5;}
view=[a,b];draw();}
function zoom(f,tc){if(tc===undefined)tc=(view[0]+view[1])/2;set(tc-(tc-view[0])*f,tc+(view[1]-tc)*f);}
function pan(dt){set(view[0]+dt,view[1]+dt);}
function reset(){view=[T0,T1];for(var i=0;i<pts.length;i++)pts[i].setAttribute('cx',cx0[i]);
if(orig){ax.parentNode.replaceChild(orig,ax);ax=orig;orig=null;}}
function scale(){return svg.getBoundingClientRect().width/VW;}
function at(e){var r=svg.getBoundingClientRect(),s=scale();return [(e.clientX-r.left)/s,(e.clientY-r.top)/s];}
function inPlot(e){var p=at(e);return p[0]>=L&&p[0]<=R&&p[1]>=T&&p[1]<=B;}
svg.addEventListener('wheel',function(e){if(!inPlot(e))return;e.preventDefault();
var dy=e.deltaY*(e.deltaMode===1?16:e.deltaMode===2?400:1);
zoom(Math.exp(dy*0.0015),view[0]+(at(e)[0]-L)/(R-L)*(view[1]-view[0]));},{passive:false});
var drag=null;
svg.addEventListener('pointerdown',function(e){if(e.button!==0||!inPlot(e))return;
drag={x:e.clientX,v:view.slice()};try{svg.setPointerCapture(e.pointerId);}catch(_){}
svg.style.cursor='grabbing';});
svg.addEventListener('pointermove',function(e){if(!drag)return;
var dt=-(e.clientX-drag.x)/scale()/(R-L)*(drag.v[1]-drag.v[0]);set(drag.v[0]+dt,drag.v[1]+dt);});
function end(){drag=null;svg.style.cursor='';}
svg.addEventListener('pointerup',end);svg.addEventListener('pointercancel',end);
svg.addEventListener('dblclick',reset);
var btn=document.getElementById('ts-reset');if(btn)btn.addEventListener('click',reset);
window.tsTimeline={zoom:zoom,pan:pan,reset:reset,view:function(){return view.slice();}};
})();
